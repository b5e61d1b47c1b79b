import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, renameSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { datasetCounts } from '../catalog/datasetsRepo';
import { listPairs } from '../catalog/pairsRepo';
import { exportSubUrmp, importSubUrmpRelease } from './subUrmpRelease';
import { makeReleaseFixture, makeUrmpFixture, tempCatalog, tempDir } from './testFixtures';
import { importUrmp } from './urmpImport';
import { encodeWav, encodeWavChannels, parseWav } from '../media/wav';
import { makeReleaseFolder } from './mediaFolders';

function tree(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(d, e.name));
      else out.set(relative(dir, join(d, e.name)), readFileSync(join(d, e.name)).toString('base64'));
    }
  };
  walk(dir);
  return out;
}

let release: string;
beforeAll(async () => {
  release = await makeReleaseFixture();
});

describe('Sub-URMP release', () => {
  it('imports pairs by shared basename, keeps the split, accepts any chunk format and reports what it skips', async () => {
    const cat = tempCatalog();
    const r = await importSubUrmpRelease(cat, release, { name: 'rel' });
    expect(datasetCounts(cat, r.datasetId)).toEqual([
      { instrument: 'vc', train: 2, test: 0 },
      { instrument: 'vn', train: 3, test: 2 },
    ]);
    const rel = (f: string) => relative(join(release, 'Sub-URMP'), f);
    const reasons = r.skipped.map((s) => `${rel(s.file)} :: ${s.reason}`).sort();
    expect(reasons).toHaveLength(4);
    expect(reasons[0]).toMatch(/^chunk\/train\/banjo :: unknown instrument folder/);
    expect(reasons[1]).toMatch(/^img\/train\/banjo :: unknown instrument folder/);
    expect(reasons[2]).toMatch(/^img\/train\/flute\/flute01_0.jpg :: unpaired image/);
    expect(reasons[3]).toMatch(/^img\/validation\/cello\/cello03_0.jpg :: (corrupt_file|unsupported)/);
    const again = await importSubUrmpRelease(cat, release, { name: 'rel' });
    expect(again.added).toBe(0);
    const pairs = listPairs(cat, { datasetId: r.datasetId, limit: 100 }).items;
    expect(pairs.find((p) => p.image?.name === 'violin01_100.jpg')?.groupKey).toBe('train/violin/violin01');
    cat.close();
  });

  it('round-trips: release → export → import gives the same pairs, and re-export the same files', async () => {
    const cat = tempCatalog();
    const a = await importSubUrmpRelease(cat, release, { name: 'a' });
    const out1 = tempDir('export1-');
    const e1 = await exportSubUrmp(cat, 'a', out1);
    expect(e1.written).toBe(7);
    expect(e1.skipped).toEqual([]);
    // every exported chunk is 44.1 kHz mono
    const chunk = parseWav(readFileSync(join(out1, 'Sub-URMP', 'chunk', 'train', 'cello', 'cello01_100.wav')))!;
    expect([chunk.sampleRate, chunk.channels, chunk.samples.length]).toEqual([44100, 1, 22050]);
    // release-form files are copied byte for byte: a 44.1 kHz mono 16-bit chunk and an uncropped JPEG
    const src = (kind: string, split: string, inst: string, f: string) => readFileSync(join(release, 'Sub-URMP', kind, split, inst, f));
    const dst = (kind: string, split: string, inst: string, f: string) => readFileSync(join(out1, 'Sub-URMP', kind, split, inst, f));
    expect(dst('chunk', 'train', 'violin', 'violin01_0.wav').equals(src('chunk', 'train', 'violin', 'violin01_0.wav'))).toBe(true);
    expect(dst('img', 'train', 'cello', 'cello01_100.jpg').equals(src('img', 'train', 'cello', 'cello01_100.jpg'))).toBe(true);
    // the 22.05 kHz stereo chunk was re-encoded: same signal, not the same bytes
    expect(dst('chunk', 'train', 'cello', 'cello01_100.wav').equals(src('chunk', 'train', 'cello', 'cello01_100.wav'))).toBe(false);
    const b = await importSubUrmpRelease(cat, out1, { name: 'b' });
    expect(b.skipped).toEqual([]);
    const key = (ds: number) =>
      listPairs(cat, { datasetId: ds, limit: 100 })
        .items.map((p) => `${p.instrument}/${p.split}/${p.image!.name}/${p.image!.hash}`)
        .sort();
    expect(key(b.datasetId)).toEqual(key(a.datasetId));
    const out2 = tempDir('export2-');
    await exportSubUrmp(cat, 'b', out2);
    expect(tree(join(out2, 'Sub-URMP'))).toEqual(tree(join(out1, 'Sub-URMP')));
    cat.close();
  });

  it('exports URMP windows (video frame + track chunk) and imports them back with the same counts', async () => {
    const cat = tempCatalog();
    const u = await importUrmp(cat, makeUrmpFixture().root, { name: 'u' });
    // keep the export small: reject all but a few pairs per instrument
    const keep = new Set(
      ['vn', 'vc', 'fl'].flatMap((i) => listPairs(cat, { datasetId: u.datasetId, instrument: i, limit: 3 }).items.map((p) => p.id)),
    );
    keep.add(listPairs(cat, { datasetId: u.datasetId, split: 'test', limit: 1 }).items[0].id);
    cat.db.prepare(`UPDATE pairs SET state = 'rejected' WHERE dataset_id = ? AND id NOT IN (${[...keep].join(',')})`).run(u.datasetId);
    const out = tempDir('export-u-');
    const e = await exportSubUrmp(cat, 'u', out);
    expect(e.written).toBe(10);
    const img = readdirSync(join(out, 'Sub-URMP', 'img', 'validation', 'violin'));
    expect(img).toHaveLength(1);
    const back = await importSubUrmpRelease(cat, out, { name: 'u-back' });
    expect(datasetCounts(cat, back.datasetId)).toEqual(datasetCounts(cat, u.datasetId));
    // the windows of one track come back as one recording (not one "track" per pair)
    const tracksOf = (datasetId: number) => {
      const pairs = listPairs(cat, { datasetId, limit: 1000 }).items.filter((p) => p.state !== 'rejected');
      return [...new Set(pairs.map((p) => `${p.instrument}:${p.split}:${p.groupKey}`))].length;
    };
    expect(tracksOf(back.datasetId)).toBe(tracksOf(u.datasetId));
    expect(tracksOf(back.datasetId)).toBeLessThan(10);
    cat.close();
  });
});

describe('Sub-URMP release at scale: bad media among many pairs', () => {
  it('skips exactly the bad files, each named with its error kind, and imports all the rest (mixed rates in process)', async () => {
    const dir = tempDir('release-bad-');
    const rel = await makeReleaseFolder(dir, { pairs: 300, otherRateFraction: 0.1, jpegSize: { width: 64, height: 48 }, picturesPerInstrument: 1 });
    const imgs = rel.files.filter((f) => f.endsWith('.jpg'));
    const chunks = rel.files.filter((f) => f.endsWith('.wav'));
    const good = encodeWav(new Float32Array(22050).fill(0.1), 44100);
    const bad: Array<[string, RegExp]> = [];
    const spoil = (file: string, bytes: Uint8Array, reason: RegExp) => {
      writeFileSync(file, bytes);
      bad.push([file, reason]);
    };
    spoil(imgs[10], readFileSync(imgs[10]).subarray(0, Math.floor(statSync(imgs[10]).size / 2)), /^truncated_file: /);
    spoil(imgs[20], Buffer.from('this is not a jpeg at all'), /^corrupt_file: /);
    spoil(imgs[30], Buffer.alloc(0), /^corrupt_file: /);
    spoil(chunks[40], good.subarray(0, 20_000), /^truncated_file: /);
    spoil(chunks[50], Buffer.alloc(0), /^empty_input: /);
    const oddCodec = Buffer.from(good);
    oddCodec.writeUInt16LE(0x7777, 20);
    spoil(chunks[60], oddCodec, /^unsupported: /);
    spoil(chunks[70], encodeWavChannels([new Float32Array(9600), new Float32Array(9600)], { sampleRate: 48000, bits: 16 }), /^the chunk lasts 0\.200 s/);
    spoil(chunks[80], Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919 + 13) % 251)), /^corrupt_file: /);
    const badAlign = Buffer.from(good);
    badAlign.writeUInt16LE(3, 32);
    spoil(chunks[90], badAlign, /^corrupt_file: /);
    // a named pipe where a chunk should be is refused by its kind, never opened (the import must not hang)
    rmSync(chunks[100]);
    execFileSync('mkfifo', [chunks[100]]);
    bad.push([chunks[100], /^unsupported: a named pipe/]);
    // a symlink to a good chunk is fine
    const target = join(tempDir('release-link-'), 'elsewhere.wav');
    renameSync(chunks[110], target);
    symlinkSync(target, chunks[110]);
    // a file name that is not UTF-8 is reported, not turned into a garbled missing file
    const chunkDir = dirname(chunks[120]);
    writeFileSync(Buffer.concat([Buffer.from(`${chunkDir}/extra_`), Buffer.from([0xff]), Buffer.from('.wav')]), good);
    bad.push([join(chunkDir, 'extra_\uFFFD.wav'), /not valid UTF-8/]);
    const extraFiles = 1; // the badly named file is not one of the 300 pairs
    const cat = tempCatalog();
    const r = await importSubUrmpRelease(cat, dir, { name: 'big' });
    expect(r.added).toBe(300 - (bad.length - extraFiles));
    expect(r.skipped.map((s) => s.file).sort()).toEqual(bad.map(([f]) => f).sort());
    for (const [file, reason] of bad) expect(r.skipped.find((s) => s.file === file)!.reason).toMatch(reason);
    // chunks at 48 kHz stereo and 22.05 kHz mono came in with their true 0.5 s duration
    const durations = cat.db.prepare("SELECT duration_s AS d, count(*) AS n FROM sources WHERE kind = 'audio' GROUP BY round(duration_s, 3)").all() as Array<{ d: number; n: number }>;
    expect(durations).toEqual([{ d: 0.5, n: 300 - (bad.length - extraFiles) }]);
    expect(rel.otherRate).toBe(30);
    cat.close();
  });
});
