import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { datasetCounts } from '../catalog/datasetsRepo';
import { listPairs } from '../catalog/pairsRepo';
import { exportSubUrmp, importSubUrmpRelease } from './subUrmpRelease';
import { makeReleaseFixture, makeUrmpFixture, tempCatalog, tempDir } from './testFixtures';
import { importUrmp } from './urmpImport';
import { parseWav } from '../media/wav';

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
    cat.close();
  });
});
