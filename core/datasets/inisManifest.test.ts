import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { datasetCounts } from '../catalog/datasetsRepo';
import { listPairs } from '../catalog/pairsRepo';
import { SAMPLE_RATE } from '../media/constants';
import { encodeWav } from '../media/wav';
import { importInis } from './inisImport';
import { importManifest, parseCsv } from './manifestImport';
import { solidImage, tempCatalog, tempDir, tone } from './testFixtures';

async function makeInis(): Promise<{ images: string; audio: string }> {
  const root = tempDir('inis-');
  const images = join(root, 'images');
  const audio = join(root, 'audio');
  const classes: Array<[string, number, number]> = [['piano', 4, 262], ['violin', 3, 440]];
  for (const [cls, nImg, hz] of classes) {
    mkdirSync(join(images, cls), { recursive: true });
    mkdirSync(join(audio, cls), { recursive: true });
    for (let i = 0; i < nImg; i++) await solidImage(join(images, cls, `${cls}${i}.jpg`), [40 * i, hz % 255, 100]);
    for (let r = 0; r < 3; r++) writeFileSync(join(audio, cls, `${cls}_song${r}.wav`), encodeWav(tone(2 + r, hz * (1 + r / 10)), SAMPLE_RATE));
  }
  writeFileSync(join(images, 'piano', 'broken.jpg'), 'nope');
  mkdirSync(join(images, 'drum'));
  await solidImage(join(images, 'drum', 'drum0.jpg'), [1, 2, 3]);
  return { images, audio };
}

describe('INIS import', () => {
  it('samples N chunks per recording, pairs them with same-class pictures, splits by recording, seeded', async () => {
    const { images, audio } = await makeInis();
    const cat = tempCatalog();
    const r = await importInis(cat, images, audio, { name: 'inis', chunksPerRecording: 5, seed: 3 });
    // 3 recordings × 5 chunks per class; one recording of three is test
    expect(datasetCounts(cat, r.datasetId)).toEqual([
      { instrument: 'piano', train: 10, test: 5 },
      { instrument: 'violin', train: 10, test: 5 },
    ]);
    expect(r.skipped.map((s) => s.reason).sort()).toEqual([
      'class "drum" has pictures but no recordings folder',
      expect.stringMatching(/^corrupt_file: unreadable picture/),
    ]);
    const pairs = listPairs(cat, { datasetId: r.datasetId, limit: 100 }).items;
    expect(pairs.every((p) => p.image!.name.startsWith(p.instrument))).toBe(true);
    expect(pairs.every((p) => p.startS >= 0 && p.durS === 0.5)).toBe(true);
    const splitsPerSong = new Map<string, Set<string>>();
    for (const p of pairs) splitsPerSong.set(p.audio.name, (splitsPerSong.get(p.audio.name) ?? new Set()).add(p.split));
    expect([...splitsPerSong.values()].every((s) => s.size === 1)).toBe(true);
    // same seed → same pairs; re-import adds nothing
    expect((await importInis(cat, images, audio, { name: 'inis', chunksPerRecording: 5, seed: 3 })).added).toBe(0);
    const other = await importInis(cat, images, audio, { name: 'inis2', chunksPerRecording: 5, seed: 3 });
    const sig = (id: number) => listPairs(cat, { datasetId: id, limit: 100 }).items.map((p) => `${p.audio.hash}@${p.startS}:${p.image!.hash}:${p.split}`);
    expect(sig(other.datasetId)).toEqual(sig(r.datasetId));
    cat.close();
  });
});

describe('manifest import', () => {
  it('parses quoted CSV', () => {
    expect(parseCsv('image,audio,start,class,split\r\n"a, b.jpg",x.wav,0.5,vn,train\n\n')).toEqual([{ image: 'a, b.jpg', audio: 'x.wav', start: '0.5', class: 'vn', split: 'train' }]);
  });

  it('imports CSV and JSON rows relative to the manifest and skips bad rows', async () => {
    const dir = tempDir('manifest-');
    mkdirSync(join(dir, 'media'));
    await solidImage(join(dir, 'media', 'a.jpg'), [10, 20, 30]);
    await solidImage(join(dir, 'media', 'b.jpg'), [30, 20, 10]);
    writeFileSync(join(dir, 'media', 'bad.jpg'), 'x');
    writeFileSync(join(dir, 'media', 's.wav'), encodeWav(tone(2, 330), SAMPLE_RATE));
    writeFileSync(
      join(dir, 'pairs.csv'),
      [
        'image,audio,start,class,split',
        'media/a.jpg,media/s.wav,0,vn,train',
        'media/b.jpg,media/s.wav,1.2,vc,validation',
        'media/bad.jpg,media/s.wav,0,vn,train',
        'media/a.jpg,media/missing.wav,0,vn,train',
        'media/a.jpg,media/s.wav,1.8,vn,train',
        'media/a.jpg,media/s.wav,0,vn,holdout',
      ].join('\n'),
    );
    const cat = tempCatalog();
    const r = await importManifest(cat, join(dir, 'pairs.csv'), { name: 'm' });
    expect(r.added).toBe(2);
    expect(r.skipped).toHaveLength(4);
    expect(datasetCounts(cat, r.datasetId)).toEqual([
      { instrument: 'vc', train: 0, test: 1 },
      { instrument: 'vn', train: 1, test: 0 },
    ]);
    expect((await importManifest(cat, join(dir, 'pairs.csv'), { name: 'm' })).added).toBe(0);
    writeFileSync(join(dir, 'pairs.json'), JSON.stringify({ rows: [{ image: 'media/b.jpg', audio: 'media/s.wav', start: 0.3, class: 'fl', split: 'test' }] }));
    const j = await importManifest(cat, join(dir, 'pairs.json'), { name: 'mj' });
    expect(listPairs(cat, { datasetId: j.datasetId }).items.map((p) => [p.instrument, p.split, p.startS, p.image!.name])).toEqual([['fl', 'test', 0.3, 'b.jpg']]);
    cat.close();
  });
});
