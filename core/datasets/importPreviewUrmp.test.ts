// The import dry runs (issue 18): a URMP preview whose split is the import's split (same seed), tracks
// per instrument and split, the folder scan's skip list, a warning for an instrument whose tracks all
// land in train, written nowhere; a release preview that warns when pairs are not grouped as recordings.
import { mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { listPairs } from '../catalog/pairsRepo';
import { AvError } from '../errors';
import { previewInis, previewManifest, previewSubUrmpRelease, previewUrmp } from './importPreview';
import { makeUrmpFixture, tempCatalog } from './testFixtures';
import { importUrmp } from './urmpImport';

describe('previewUrmp', () => {
  it('counts tracks per instrument and split as the import will split them, with skips and empty-split warnings', async () => {
    const { root } = makeUrmpFixture();
    const before = readdirSync(root).sort();
    const cat = tempCatalog();
    const p = await previewUrmp(cat, root, 5, 'u');
    expect(readdirSync(root).sort()).toEqual(before);
    expect(p.kind).toBe('urmp');
    expect(p.unit).toBe('tracks');
    expect(p.categories.map((c) => c.instrument)).toEqual(['fl', 'vc', 'vn']);
    expect(p.total).toBe(4);
    // vc is played in one video only: all of it goes to train, and the preview says so
    expect(p.categories.find((c) => c.instrument === 'vc')).toEqual({ instrument: 'vc', train: 1, test: 0 });
    expect(p.warnings.some((w) => w.startsWith('vc: every track goes to train') && w.includes('one video only, 01_Jupiter_vn_vc'))).toBe(true);
    expect(p.warnings.some((w) => w.startsWith('vn'))).toBe(false);
    expect(p.skipped.map((s) => s.file.slice(root.length + 1)).sort()).toEqual(['03_Dance_vn_fl/AuSep_2_ob_03_Dance.wav', '04_Bad_xyz', '05_Lost_vc']);

    // the real import with the same seed puts every video in the split the preview showed
    const r = await importUrmp(cat, root, { name: 'u', seed: 5 });
    const pairs = listPairs(cat, { datasetId: r.datasetId, limit: 10_000 }).items;
    expect(pairs.length).toBeGreaterThan(0);
    for (const c of p.categories) {
      const splitsOf = (split: string) => new Set(pairs.filter((x) => x.instrument === c.instrument && x.split === split).map((x) => x.groupKey.split('/')[0])).size;
      expect([c.instrument, splitsOf('train') > 0, splitsOf('test') > 0]).toEqual([c.instrument, c.train > 0, c.test > 0]);
    }

    // a re-import into 'u' keeps the stored splits whatever seed it is given, and its preview says so;
    // the same folder previewed for a new dataset follows the new seed
    const again = await previewUrmp(cat, root, 6, 'u');
    expect(again.categories).toEqual(p.categories);
    expect(again.note).toContain('3 of 3 videos keep the split dataset "u" already stores for them');
    const fresh = await previewUrmp(cat, root, 6, 'new');
    expect(fresh.note).not.toContain('keep the split');
    const reimport = await importUrmp(cat, root, { name: 'u', seed: 6 });
    const after = listPairs(cat, { datasetId: reimport.datasetId, limit: 10_000 }).items;
    for (const c of again.categories) {
      expect([c.instrument, after.some((x) => x.instrument === c.instrument && x.split === 'test')]).toEqual([c.instrument, c.test > 0]);
    }
  });

  it('names the folder when it does not exist', async () => {
    await expect(previewUrmp(tempCatalog(), '/nonexistent/urmp-h11')).rejects.toSatisfy((e: unknown) => e instanceof AvError && e.file === '/nonexistent/urmp-h11');
  });
});

describe('previewSubUrmpRelease', () => {
  const release = (names: string[]): string => {
    const root = mkdtempSync(join(tmpdir(), 'h11-release-'));
    for (const kind of ['img', 'chunk']) mkdirSync(join(root, kind, 'train', 'violin'), { recursive: true });
    for (const n of names) {
      writeFileSync(join(root, 'img', 'train', 'violin', `${n}.jpg`), '');
      writeFileSync(join(root, 'chunk', 'train', 'violin', `${n}.wav`), '');
    }
    return root;
  };

  it('warns when the chunk names do not group pairs as recordings', async () => {
    const flat = await previewSubUrmpRelease(release(Array.from({ length: 12 }, (_, i) => `chunk${i}`)));
    expect(flat.total).toBe(12);
    expect(flat.warnings.filter((w) => w.startsWith('pairs are not grouped as recordings: 12 of 12 pairs'))).toHaveLength(1);
    const grouped = await previewSubUrmpRelease(release(Array.from({ length: 12 }, (_, i) => `violin0${i % 2}_${i * 100}`)));
    expect(grouped.total).toBe(12);
    expect(grouped.warnings.some((w) => w.startsWith('pairs are not grouped'))).toBe(false);
    // both are all-train: the empty test split is reported
    expect(grouped.warnings.some((w) => w.startsWith('vn: every pair is in train'))).toBe(true);
  });
});

describe('previewManifest', () => {
  it('counts valid rows per class and split, skips bad rows and missing files with the row, warns on an empty split', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'h11-manifest-'));
    for (const f of ['a.png', 'b.png', 'a.wav', 'b.wav']) writeFileSync(join(dir, f), '');
    const file = join(dir, 'pairs.csv');
    writeFileSync(
      file,
      'image,audio,start,class,split\na.png,a.wav,0,vn,train\nb.png,b.wav,0.5,vn,test\na.png,b.wav,0,fl,train\nmissing.png,a.wav,0,fl,train\na.png,a.wav,0,vn,holdout\n/dev/null,a.wav,0,fl,test\n',
    );
    const p = await previewManifest(file);
    expect(p.kind).toBe('manifest');
    expect(p.total).toBe(3);
    expect(p.categories).toEqual([
      { instrument: 'fl', train: 1, test: 0 },
      { instrument: 'vn', train: 1, test: 1 },
    ]);
    expect(p.skipped.map((s) => s.reason.replace(file, 'F'))).toEqual([
      'F row 4: no such file',
      expect.stringContaining('invalid split "holdout"'),
      'F row 6: not a regular file',
    ]);
    expect(p.skipped[0].file).toBe(join(dir, 'missing.png'));
    expect(p.warnings).toEqual(['fl: every pair is in train — the test split would be empty for this category']);
    await expect(previewManifest(join(dir, 'nope.csv'))).rejects.toSatisfy((e: unknown) => e instanceof AvError && e.file === join(dir, 'nope.csv'));
  });
});

describe('previewInis', () => {
  it('counts recordings per class and split, skips unmatched classes and wrong files, warns on a one-recording class', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'h11-inis-'));
    const put = (rel: string) => {
      mkdirSync(join(dir, rel, '..'), { recursive: true });
      writeFileSync(join(dir, rel), '');
    };
    ['images/piano/a.jpg', 'images/piano/b.png', 'images/piano/notes.txt', 'images/harp/a.jpg', 'images/drums/a.jpg'].forEach(put);
    ['audio/piano/1.wav', 'audio/piano/2.wav', 'audio/piano/3.wav', 'audio/piano/4.mp3', 'audio/piano/readme.md', 'audio/harp/1.wav', 'audio/organ/1.wav'].forEach(put);
    const p = await previewInis(join(dir, 'images'), join(dir, 'audio'), 7);
    expect(p.unit).toBe('recordings');
    expect(p.categories).toEqual([
      { instrument: 'harp', train: 1, test: 0 },
      { instrument: 'piano', train: 3, test: 1 },
    ]);
    expect(p.total).toBe(5);
    expect(p.skipped.map((s) => s.file.slice(dir.length + 1)).sort()).toEqual(['audio/organ', 'audio/piano/readme.md', 'images/drums', 'images/piano/notes.txt']);
    expect(p.warnings).toEqual(['harp: every recording goes to train (the class has one recording) — the test split would be empty for this category']);
  });
});
