import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { datasetCounts } from '../catalog/datasetsRepo';
import { listPairs } from '../catalog/pairsRepo';
import { AvError } from '../errors';
import { makeUrmpFixture, tempCatalog } from './testFixtures';
import { importUrmp } from './urmpImport';
import { parsePieceFolder } from './urmpLayout';
import { splitByVideo } from './split';

let root: string;
beforeAll(() => {
  root = makeUrmpFixture().root;
});

describe('URMP layout', () => {
  it('parses piece folder names', () => {
    expect(parsePieceFolder('24_Pirates_vn_vn_va_vc')).toEqual({ number: '24', piece: 'Pirates', instruments: ['vn', 'vn', 'va', 'vc'] });
    expect(parsePieceFolder('04_Bad_xyz')).toBeNull();
    expect(parsePieceFolder('notes')).toBeNull();
  });
});

describe('video-level split', () => {
  it('never puts a video in both splits and gives each instrument with ≥2 videos a test video', () => {
    const videos = Array.from({ length: 40 }, (_, i) => ({ video: `v${i}`, instruments: i % 3 === 0 ? ['vn', 'vc'] : i % 3 === 1 ? ['fl'] : ['vn', 'fl', 'tpt'] }));
    for (const seed of [1, 2, 3]) {
      const s = splitByVideo(videos, seed);
      expect(s.size).toBe(40);
      for (const inst of ['vn', 'vc', 'fl', 'tpt']) {
        const mine = videos.filter((v) => v.instruments.includes(inst));
        const test = mine.filter((v) => s.get(v.video) === 'test').length;
        expect(test).toBeGreaterThan(0);
        expect(test).toBeLessThan(mine.length);
        expect(test / mine.length).toBeLessThan(0.35);
      }
    }
    expect([...splitByVideo(videos, 7)]).toEqual([...splitByVideo(videos, 7)]);
  });
});

describe('importUrmp', () => {
  it('windows every track, drops silence, skips frameless windows and bad items, splits by video', async () => {
    const cat = tempCatalog();
    const progress: number[] = [];
    const r = await importUrmp(cat, root, { name: 'u', seed: 5, onProgress: (p) => progress.push(p.done) });
    expect(r.silentDropped).toBe(6);
    const counts = datasetCounts(cat, r.datasetId);
    expect(counts).toEqual([
      { instrument: 'fl', train: 30, test: 0 },
      { instrument: 'vc', train: 26, test: 0 },
      { instrument: 'vn', train: 20, test: 26 },
    ]);
    expect(r.added).toBe(102);
    expect(progress.length).toBeGreaterThan(2);
    const reasons = r.skipped.map((s) => `${s.file.slice(root.length + 1)} :: ${s.reason}`);
    expect(reasons.some((s) => s.startsWith('04_Bad_xyz :: not a URMP piece folder'))).toBe(true);
    expect(reasons.some((s) => s.startsWith('05_Lost_vc :: missing video'))).toBe(true);
    expect(reasons.some((s) => s.startsWith('03_Dance_vn_fl/AuSep_2_ob_03_Dance.wav :: mislabeled track'))).toBe(true);
    expect(reasons.some((s) => s.startsWith('02_Sonata_fl/AuSep_1_fl_02_Sonata.wav :: 6 window(s) from 3.0 s have no video frame'))).toBe(true);
    expect(r.skipped).toHaveLength(4);

    // window starts are 0.1 s apart, the frame is at the window start, the crop starts unset
    const vn = listPairs(cat, { datasetId: r.datasetId, instrument: 'vn', split: 'train', limit: 1000 }).items;
    expect(vn.map((p) => p.startS).slice(0, 11)).toEqual([0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.6]);
    expect(vn.every((p) => p.frameS === p.startS && p.crop === null && p.durS === 0.5 && p.video?.name === 'Vid_01_Jupiter_vn_vc.mp4')).toBe(true);
    // one video, one split
    const all = listPairs(cat, { datasetId: r.datasetId, limit: 1000 }).items;
    const byVideo = new Map<string, Set<string>>();
    for (const p of all) byVideo.set(p.video!.name, (byVideo.get(p.video!.name) ?? new Set()).add(p.split));
    expect([...byVideo.values()].every((s) => s.size === 1)).toBe(true);
    expect(r.splits['03_Dance_vn_fl']).toBe('test');

    // the skip report is stored
    const rep = cat.db.prepare('SELECT status, added, skipped FROM import_reports WHERE id = ?').get(r.reportId) as { status: string; added: number; skipped: string };
    expect(rep.status).toBe('done');
    expect(JSON.parse(rep.skipped)).toHaveLength(4);

    // re-running adds nothing
    const again = await importUrmp(cat, root, { name: 'u', seed: 5 });
    expect(again.added).toBe(0);
    expect(again.staged).toBe(102);
    expect((cat.db.prepare('SELECT COUNT(*) AS n FROM pairs').get() as { n: number }).n).toBe(102);
    expect((cat.db.prepare('SELECT COUNT(*) AS n FROM import_staging_pairs').get() as { n: number }).n).toBe(0);

    // a higher RMS threshold drops everything quieter
    const loud = await importUrmp(cat, root, { name: 'u-loud', rmsThreshold: 0.5 });
    expect(loud.added).toBe(0);
    cat.close();
  });

  it('leaves nothing behind when cancelled', async () => {
    const cat = tempCatalog();
    const ctl = new AbortController();
    const run = importUrmp(cat, root, {
      name: 'c',
      signal: ctl.signal,
      onProgress: (p) => {
        if (p.done >= 2) ctl.abort();
      },
    });
    await expect(run).rejects.toSatisfy((e: unknown) => e instanceof AvError && e.kind === 'cancelled');
    expect((cat.db.prepare('SELECT COUNT(*) AS n FROM pairs').get() as { n: number }).n).toBe(0);
    expect((cat.db.prepare('SELECT COUNT(*) AS n FROM datasets').get() as { n: number }).n).toBe(0);
    expect((cat.db.prepare('SELECT COUNT(*) AS n FROM import_staging_sources').get() as { n: number }).n).toBe(0);
    expect((cat.db.prepare("SELECT status FROM import_reports").get() as { status: string }).status).toBe('cancelled');
    cat.close();
  });

  it('cleans the staging rows of an import whose process died', async () => {
    const cat = tempCatalog();
    cat.db.prepare("INSERT INTO import_reports (kind, started_at, status, pid) VALUES ('urmp', 'x', 'running', 999999)").run();
    cat.db.prepare("INSERT INTO import_staging_pairs (report_id, pair_key, instrument, split, audio_hash, start_s, dur_s) VALUES (1, 'k', 'vn', 'train', 'h', 0, 0.5)").run();
    await importUrmp(cat, join(root, '01_Jupiter_vn_vc', '..'), { name: 'd' });
    expect((cat.db.prepare('SELECT COUNT(*) AS n FROM import_staging_pairs').get() as { n: number }).n).toBe(0);
    expect((cat.db.prepare('SELECT status FROM import_reports WHERE id = 1').get() as { status: string }).status).toBe('interrupted');
    cat.close();
  });
});
