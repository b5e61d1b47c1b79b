import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { type Catalog, nowIso, openCatalog } from '../catalog/catalog';
import { createDataset } from '../catalog/datasetsRepo';
import { listPairs } from '../catalog/pairsRepo';
import { BlobStore } from '../store/blobStore';
import { editPair } from './curation';
import { featureStatus, pairFeatureKeys } from './materialize';
import { quickFeatureStatusAsync } from './featureIndex';
import { tempCatalog, tempDir } from './testFixtures';
import { featureStatusCounts, quickFeatureStatusOffThread, stopFeatureStatusThread } from './featureStatusThread';

const N = 20_000;

/** N pairs written straight into the catalog (as e2e/datasetsScale.e2e.ts does): 50 pictures, one chunk per pair. */
function bigDataset(cat: Catalog): number {
  return cat.tx(() => {
    const ds = createDataset(cat, { name: 'big', kind: 'sub-urmp', description: 'status test' });
    const src = cat.db.prepare('INSERT INTO sources (hash, kind, path, original_name, bytes, duration_s, width, height, created_at) VALUES (?, ?, ?, ?, 0, ?, ?, ?, ?)');
    const images = Array.from({ length: 50 }, (_, k) => Number(src.run(`img-${k}`, 'image', `/x/${k}.jpg`, `${k}.jpg`, null, 64, 64, nowIso()).lastInsertRowid));
    const pair = cat.db.prepare(
      "INSERT INTO pairs (dataset_id, pair_key, instrument, split, audio_source_id, image_source_id, group_key, start_s, dur_s, state) VALUES (?, ?, 'vn', 'train', ?, ?, '', 0, 0.5, 'pending')",
    );
    for (let k = 0; k < N; k++) {
      const audio = Number(src.run(`aud-${k}`, 'audio', `/x/${k}.wav`, `${k}.wav`, 4, null, null, nowIso()).lastInsertRowid);
      pair.run(ds, `p${k}`, audio, images[k % 50]);
    }
    return ds;
  });
}

/** The reference: every pair's keys hashed and looked up one by one (the previous implementation). */
function slowStatus(cat: Catalog, datasetId: number) {
  const row = cat.db.prepare('SELECT 1 FROM feature_cache WHERE key = ?').pluck();
  const st = { pairs: 0, done: 0, lms: 0, image: 0 };
  for (const p of listPairs(cat, { datasetId, limit: Number.MAX_SAFE_INTEGER }).items) {
    if (p.state === 'rejected') continue;
    const k = pairFeatureKeys(p);
    const lms = row.get(k.lms) !== undefined;
    const image = row.get(k.image) !== undefined;
    st.pairs++;
    st.lms += +lms;
    st.image += +image;
    st.done += +(lms && image);
  }
  return st;
}

describe('featureStatus (rows only) at 20,000 pairs', () => {
  it('stays right after window/crop edits, rejects, and rows added or removed by another connection', () => {
    const dir = tempDir('fidx-');
    const cat = tempCatalog(dir);
    const blobs = new BlobStore(join(dir, 'blobs'));
    const ds = bigDataset(cat);
    const quick = () => featureStatus(cat, blobs, ds, { checkFiles: false });
    const pairs = listPairs(cat, { datasetId: ds, limit: N }).items;

    let t = performance.now();
    const ref0 = slowStatus(cat, ds);
    const slowMs = performance.now() - t;
    t = performance.now();
    expect(quick()).toEqual(ref0);
    const firstMs = performance.now() - t;
    expect(ref0).toEqual({ pairs: N, done: 0, lms: 0, image: 0 });

    // another writer (a second connection, as a materialize process) stores features of the first 5,000 pairs
    const other = new Database(join(dir, 'catalog.sqlite'));
    const ins = other.prepare("INSERT OR IGNORE INTO feature_cache (key, rep, blob_hash, shape, created_at) VALUES (?, ?, 'h', '[]', '')");
    other.transaction(() => {
      for (const p of pairs.slice(0, 5000)) {
        const k = pairFeatureKeys(p);
        ins.run(k.lms, 'lms');
        ins.run(k.image, 'image64');
      }
    })();
    t = performance.now();
    const s1 = quick();
    const againMs = performance.now() - t;
    expect(s1).toEqual(slowStatus(cat, ds));
    expect(s1.lms).toBe(5000);
    expect(s1.image).toBe(N); // 50 pictures shared by all pairs, all among the first 5,000
    expect(s1.done).toBe(5000);
    t = performance.now();
    expect(quick()).toEqual(s1); // nothing written since: the kept answer
    const unchangedMs = performance.now() - t;

    // a moved window and a new crop change those pairs' keys: no longer done
    cat.db.prepare('UPDATE pairs SET start_s = 1 WHERE id = ?').run(pairs[0]!.id);
    cat.db.prepare('UPDATE pairs SET crop = ? WHERE id = ?').run(JSON.stringify({ x: 0, y: 0, w: 32, h: 32 }), pairs[1]!.id);
    editPair(cat, pairs[2]!.id, { action: 'reject' });
    const s2 = quick();
    expect(s2).toEqual(slowStatus(cat, ds));
    expect(s2).toMatchObject({ pairs: N - 1, done: 4997, lms: 4998, image: N - 2 });

    // rows removed by the other connection (and one added back under the same rowid range) are seen
    other.prepare("DELETE FROM feature_cache WHERE rep = 'lms' AND rowid % 3 = 0").run();
    expect(quick()).toEqual(slowStatus(cat, ds));
    other.prepare('DELETE FROM feature_cache WHERE rowid = (SELECT MAX(rowid) FROM feature_cache)').run();
    ins.run(pairFeatureKeys({ ...pairs[0]!, startS: 1 }).lms, 'lms');
    const s3 = quick();
    expect(s3).toEqual(slowStatus(cat, ds));
    other.prepare('DELETE FROM feature_cache').run();
    expect(quick()).toEqual({ pairs: N - 1, done: 0, lms: 0, image: 0 });
    other.close();
    cat.close();
    console.log(`featureStatus at ${N} pairs: per-pair hash + lookup ${slowMs.toFixed(0)} ms; new: first call ${firstMs.toFixed(0)} ms, call after 10,000 new rows ${againMs.toFixed(0)} ms, call with nothing written since ${unchangedMs.toFixed(2)} ms`);
  }, 60_000);
});

describe('the async status a server answers with', () => {
  it('gives the sync answer, and lets other work run while it hashes 20,000 pairs the first time', async () => {
    const cat = tempCatalog();
    const ds = bigDataset(cat);
    const fresh = openCatalog(cat.file); // a second studio process: its own connection, nothing cached yet
    // timers queued before the call run while it is still working (it yields every few thousand pairs)
    let ticks = 0;
    const timer = setInterval(() => ticks++, 0);
    const statusP = quickFeatureStatusAsync(fresh, ds, {}, pairFeatureKeys);
    let settled = false;
    void statusP.then(() => (settled = true));
    await new Promise((r) => setImmediate(r));
    expect(settled).toBe(false);
    const st = await statusP;
    clearInterval(timer);
    expect(ticks).toBeGreaterThan(0);
    expect(st).toEqual(slowStatus(cat, ds));
    expect(st).toEqual(featureStatus(cat, new BlobStore(tempDir('fi-blobs-')), ds, { checkFiles: false }));
    fresh.close();
    cat.close();
  });
});

describe('the status on a worker thread (serve, Electron)', () => {
  it('gives the same answer as this thread, sees writes made since, and falls back here when the thread is gone', async () => {
    const cat = tempCatalog();
    const ds = bigDataset(cat);
    try {
      const ref = slowStatus(cat, ds);
      const before = featureStatusCounts();
      expect(await quickFeatureStatusOffThread(cat, ds)).toEqual(ref);
      // features stored for 100 pairs by this connection: the thread's own connection sees them
      const pairs = listPairs(cat, { datasetId: ds, limit: 100 }).items;
      const add = cat.db.prepare("INSERT OR IGNORE INTO feature_cache (key, rep, blob_hash, shape, created_at) VALUES (?, 'lms', 'h', '[]', ?)");
      cat.tx(() => { for (const p of pairs) add.run(pairFeatureKeys(p).lms, nowIso()); });
      const after = await quickFeatureStatusOffThread(cat, ds);
      expect(after).toEqual(slowStatus(cat, ds));
      expect(after.lms).toBe(ref.lms + 100);
      expect(await quickFeatureStatusOffThread(cat, ds, { features: ['lms'], pairIds: pairs.map((p) => p.id) })).toEqual({ pairs: 100, done: 100, lms: 100, image: 0 });
      expect(featureStatusCounts()).toEqual({ thread: before.thread + 3, here: before.here }); // answered there, not here
      // the thread killed while answering: the caller still gets the answer, computed here
      const asked = quickFeatureStatusOffThread(cat, ds, { includeRejected: true });
      await stopFeatureStatusThread();
      expect(await asked).toEqual(after);
      expect(featureStatusCounts().here).toBe(before.here + 1);
    } finally {
      await stopFeatureStatusThread();
      cat.close();
    }
  }, 60_000);
});
