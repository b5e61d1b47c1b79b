import { join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { listPairs } from '../catalog/pairsRepo';
import { AvError } from '../errors';
import { decodeNpy } from '../media/npy';
import { BlobStore } from '../store/blobStore';
import { editPair } from './curation';
import { cachedFeature, materializeDataset, pairFeatureKeys } from './materialize';
import { makeUrmpFixture, tempCatalog, tempDir } from './testFixtures';
import { importUrmp } from './urmpImport';

describe('materializeDataset', () => {
  it('computes LMS 128×44 and 64×64 pictures once, caches them by content, and can be cancelled', async () => {
    const dir = tempDir();
    const cat = tempCatalog(dir);
    const blobs = new BlobStore(join(dir, 'blobs'));
    const u = await importUrmp(cat, makeUrmpFixture().root, { name: 'u' });
    // keep it small: 4 pairs of two tracks
    const keep = [...listPairs(cat, { datasetId: u.datasetId, instrument: 'vn', limit: 2 }).items, ...listPairs(cat, { datasetId: u.datasetId, instrument: 'fl', limit: 2 }).items];
    cat.db.prepare(`UPDATE pairs SET state = 'rejected' WHERE dataset_id = ? AND id NOT IN (${keep.map((p) => p.id).join(',')})`).run(u.datasetId);

    const ctl = new AbortController();
    await expect(
      materializeDataset(cat, blobs, 'u', { signal: ctl.signal, onProgress: (p) => p.done === 1 && ctl.abort() }),
    ).rejects.toSatisfy((e: unknown) => e instanceof AvError && e.kind === 'cancelled');

    const progress: number[] = [];
    const first = await materializeDataset(cat, blobs, 'u', { onProgress: (p) => progress.push(p.done) });
    expect(first.pairs).toBe(4);
    expect(first.failed).toEqual([]);
    expect(first.computed).toEqual({ lms: 3, image: 3 }); // the first pair was done before the cancel
    expect(progress).toEqual([1, 2, 3, 4]);
    const again = await materializeDataset(cat, blobs, 'u');
    expect(again.computed).toEqual({ lms: 0, image: 0 });
    expect(again.cached).toEqual({ lms: 4, image: 4 });

    const keys = pairFeatureKeys(keep[0]);
    const lms = decodeNpy(blobs.read(cachedFeature(cat, blobs, keys.lms)!));
    expect(lms.shape).toEqual([128, 44]);
    const meta = await sharp(blobs.read(cachedFeature(cat, blobs, keys.image)!)).metadata();
    expect([meta.width, meta.height, meta.channels]).toEqual([64, 64, 3]);

    // a crop changes the picture key (and only the picture): one picture per pair of the track is recomputed
    editPair(cat, keep[0].id, { action: 'crop', crop: { x: 0, y: 0, w: 120, h: 120 } });
    const afterCrop = await materializeDataset(cat, blobs, 'u');
    expect(afterCrop.computed).toEqual({ lms: 0, image: 2 });
    cat.close();
  });
});
