import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { makeReleaseFolder, makeUrmpFolder } from './mediaFolders';
import { importSubUrmpRelease } from './subUrmpRelease';
import { THUMB_PX, thumbnailOf } from '../media/thumbnails';
import { openCatalog } from '../catalog/catalog';
import { listPairs } from '../catalog/pairsRepo';
import { AvError } from '../errors';
import { decodeNpy } from '../media/npy';
import { computeRepresentation } from '../media/representations';
import { BlobStore } from '../store/blobStore';
import { editPair } from './curation';
import { cachedFeature, featureStatus, materializeDataset, pairFeatureKeys } from './materialize';
import { pairChunk, pairImage64, TrackCache } from './pairMedia';
import { makeUrmpFixture, tempCatalog, tempDir } from './testFixtures';
import { importUrmp } from './urmpImport';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

describe('materializeDataset', () => {
  it('stores the same LMS and 64×64 pictures as the per-pair path, grouped by source on worker threads', async () => {
    const dir = tempDir();
    const cat = tempCatalog(dir);
    const blobs = new BlobStore(join(dir, 'blobs'));
    const u = await importUrmp(cat, makeUrmpFixture().root, { name: 'u' });
    const all = listPairs(cat, { datasetId: u.datasetId, limit: 10_000 }).items;
    // a crop box on one track (the cello), the others show the whole frame
    const vc = all.find((p) => p.instrument === 'vc')!;
    editPair(cat, vc.id, { action: 'crop', crop: { x: 10, y: 8, w: 90, h: 100 } });
    const pairs = listPairs(cat, { datasetId: u.datasetId, limit: 10_000 }).items.filter((p) => p.state !== 'rejected');

    const progress: number[] = [];
    const r = await materializeDataset(cat, blobs, 'u', { workers: 2, onProgress: (p) => progress.push(p.done) });
    expect(r.pairs).toBe(pairs.length);
    expect(progress.at(-1)).toBe(pairs.length);
    expect(r.computed.lms).toBe(pairs.length); // every window is its own LMS
    expect(r.failed).toEqual([]);

    const tracks = new TrackCache();
    // against the per-pair path (one ffmpeg per frame): each track's first and last pair and every 5th
    const sample = pairs.filter((p, i) => i % 5 === 0 || p.groupKey !== pairs[i - 1]?.groupKey || p.groupKey !== pairs[i + 1]?.groupKey);
    for (const p of sample) {
      const k = pairFeatureKeys(p);
      const lms = decodeNpy(blobs.read(cachedFeature(cat, blobs, k.lms)!));
      const ref = computeRepresentation('lms', await pairChunk(cat, p, tracks));
      expect(lms.shape).toEqual([128, 44]);
      expect(Buffer.from(lms.data.buffer, lms.data.byteOffset, lms.data.byteLength).equals(Buffer.from(ref.data.buffer, ref.data.byteOffset, ref.data.byteLength))).toBe(true);
      const img = await sharp(blobs.read(cachedFeature(cat, blobs, k.image)!)).raw().toBuffer({ resolveWithObject: true });
      expect([img.info.width, img.info.height, img.info.channels]).toEqual([64, 64, 3]);
      const refImg = await pairImage64(cat, p); // one ffmpeg per frame, as before
      let diff = 0;
      for (let i = 0; i < refImg.data.length; i++) diff = Math.max(diff, Math.abs(refImg.data[i] - img.data[i]));
      expect({ pair: p.id, diff }).toEqual({ pair: p.id, diff: 0 });
    }

    const again = await materializeDataset(cat, blobs, 'u');
    expect(again.computed).toEqual({ lms: 0, image: 0 });
    expect(again.cached.lms).toBe(pairs.length);
    expect(featureStatus(cat, blobs, 'u')).toMatchObject({ pairs: pairs.length, done: pairs.length });

    // a new crop of the cello track: only its pictures are recomputed; LMS-only work never touches pictures
    editPair(cat, vc.id, { action: 'crop', crop: { x: 0, y: 0, w: 120, h: 120 } });
    const vcPairs = pairs.filter((p) => p.instrument === 'vc').length;
    expect(featureStatus(cat, blobs, 'u')).toMatchObject({ done: pairs.length - vcPairs });
    expect((await materializeDataset(cat, blobs, 'u', { features: ['lms'] })).computed).toEqual({ lms: 0, image: 0 });
    const afterCrop = await materializeDataset(cat, blobs, 'u', { workers: 0 });
    expect(afterCrop.computed).toEqual({ lms: 0, image: vcPairs });
    cat.close();
  }, 60_000);

  it('is cancelled by its signal and keeps what it stored; the next call computes only the rest', async () => {
    const dir = tempDir();
    const cat = tempCatalog(dir);
    const blobs = new BlobStore(join(dir, 'blobs'));
    await importUrmp(cat, makeUrmpFixture().root, { name: 'u' });
    const ctl = new AbortController();
    await expect(materializeDataset(cat, blobs, 'u', { signal: ctl.signal, onProgress: (p) => p.computed >= 3 && ctl.abort() })).rejects.toSatisfy(
      (e: unknown) => e instanceof AvError && e.kind === 'cancelled',
    );
    const rows = (cat.db.prepare('SELECT COUNT(*) AS n FROM feature_cache').get() as { n: number }).n;
    expect(rows).toBeGreaterThanOrEqual(3);
    const before = featureStatus(cat, blobs, 'u');
    const r = await materializeDataset(cat, blobs, 'u');
    const total = (cat.db.prepare('SELECT COUNT(*) AS n FROM feature_cache').get() as { n: number }).n;
    expect(r.computed.lms + r.computed.image).toBe(total - rows);
    expect(r.computed.lms).toBe(before.pairs - before.lms);
    expect(featureStatus(cat, blobs, 'u').done).toBe(before.pairs);
    cat.close();
  }, 60_000);

  it('resumes after kill -9 of a real `avstudio materialize` process without recomputing finished pairs', async () => {
    const home = tempDir('mat-home-');
    const media = makeUrmpFolder(tempDir('mat-urmp-'), { pieces: 2, seconds: 6, width: 320, height: 240, fps: '30000/1001' });
    const cat = openCatalog(join(home, 'catalog.sqlite'));
    const blobs = new BlobStore(join(home, 'blobs'));
    await importUrmp(cat, media.root, { name: 'big' });
    const status0 = featureStatus(cat, blobs, 'big');
    expect(status0.pairs).toBeGreaterThan(200);
    expect(status0.done).toBe(0);

    const child = spawn(process.execPath, [join(repoRoot, 'bin/avstudio.mjs'), 'materialize', 'big', '--home', home, '--json'], { stdio: 'ignore' });
    const exited = new Promise<NodeJS.Signals | null>((r) => child.once('exit', (_code, signal) => r(signal)));
    const probe = new Database(join(home, 'catalog.sqlite'), { readonly: true, fileMustExist: true });
    const count = () => (probe.prepare('SELECT COUNT(*) AS n FROM feature_cache').get() as { n: number }).n;
    const killedAt = await new Promise<number>((resolve, reject) => {
      const t = setInterval(() => {
        const n = count();
        if (n >= 20) {
          clearInterval(t);
          child.kill('SIGKILL');
          resolve(n);
        }
      }, 5);
      void exited.then((signal) => {
        clearInterval(t);
        if (signal !== 'SIGKILL') reject(new Error('materialize ended before the kill'));
      });
    });
    expect(await exited).toBe('SIGKILL');
    const rows = count();
    probe.close();
    expect(rows).toBeGreaterThanOrEqual(killedAt);
    const keysTotal = status0.pairs + new Set(listPairs(cat, { datasetId: 1, limit: 10_000 }).items.map((p) => pairFeatureKeys(p).image)).size;
    expect(rows).toBeLessThan(keysTotal); // killed in the middle

    // every stored row is usable; the resume computes exactly what is missing
    const mid = featureStatus(cat, blobs, 'big');
    const resumed = await materializeDataset(cat, blobs, 'big');
    expect(resumed.failed).toEqual([]);
    expect(resumed.computed.lms).toBe(mid.pairs - mid.lms);
    expect(resumed.computed.lms + resumed.computed.image).toBe(keysTotal - rows);
    expect(featureStatus(cat, blobs, 'big')).toMatchObject({ pairs: status0.pairs, done: status0.pairs, lms: status0.pairs, image: status0.pairs });
    expect((cat.db.prepare('SELECT COUNT(*) AS n FROM feature_cache').get() as { n: number }).n).toBe(keysTotal);
    cat.close();
  }, 120_000);

  it("makes the grid's thumbnail of each picture it decodes, the file the grid's own thumbnail path then finds", async () => {
    const dir = tempDir('mat-thumbs-');
    const cat = tempCatalog(dir);
    const blobs = new BlobStore(join(dir, 'blobs'));
    const rel = await makeReleaseFolder(join(dir, 'rel'), { pairs: 12, jpegSize: { width: 640, height: 360 }, picturesPerInstrument: 2 });
    await importSubUrmpRelease(cat, rel.root, { name: 'rel' });
    const thumbsDir = join(dir, 'thumbs');
    const r = await materializeDataset(cat, blobs, 'rel', { workers: 2, thumbsDir });
    expect(r.failed).toEqual([]);
    const pairs = listPairs(cat, { datasetId: 1, limit: 100 }).items;
    const hashes = [...new Set(pairs.map((p) => p.image!.hash))];
    expect(hashes.length).toBeGreaterThan(1);
    for (const h of hashes) {
      const file = join(thumbsDir, h.slice(0, 2), `${h}-${THUMB_PX}.jpg`);
      expect(existsSync(file)).toBe(true);
      const meta = await sharp(file).metadata();
      expect(Math.min(meta.width!, meta.height!)).toBe(THUMB_PX);
      // the grid's path finds it and does not make another (a missing picture file could not be decoded)
      await expect(thumbnailOf(thumbsDir, h, join(dir, 'no-such-file.jpg'))).resolves.toBe(file);
    }
    // without a thumbs folder nothing is written there
    const dir2 = tempDir('mat-nothumbs-');
    const cat2 = tempCatalog(dir2);
    await importSubUrmpRelease(cat2, rel.root, { name: 'rel' });
    await materializeDataset(cat2, new BlobStore(join(dir2, 'blobs')), 'rel', { workers: 0 });
    expect(existsSync(join(dir2, 'thumbs'))).toBe(false);
    cat.close();
    cat2.close();
  }, 120_000);
});
