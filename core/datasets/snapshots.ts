// Dataset snapshots: the dataset's current non-rejected pairs copied into snapshot_pairs, with a
// content hash over what the pairs are (source hashes, not ids), so a training run can name exactly
// the data it saw. Later curation edits `pairs` only, never a snapshot.
import { createHash } from 'node:crypto';
import { type Catalog, nowIso } from '../catalog/catalog';
import { getDataset } from '../catalog/datasetsRepo';
import { AvError } from '../errors';

export interface SnapshotInfo {
  id: number;
  datasetId: number;
  createdAt: string;
  pairCount: number;
  contentHash: string;
}

export interface SnapshotPair {
  pairId: number;
  instrument: string;
  split: 'train' | 'test';
  audioSourceId: number;
  imageSourceId: number | null;
  videoSourceId: number | null;
  startS: number;
  durS: number;
  frameS: number | null;
  crop: string | null;
}

/** Freezes the dataset's non-rejected pairs; returns the snapshot. */
export function createSnapshot(cat: Catalog, datasetRef: number | string): SnapshotInfo {
  return cat.tx(() => {
    const ds = getDataset(cat, datasetRef);
    const createdAt = nowIso();
    const id = Number(cat.db.prepare("INSERT INTO snapshots (dataset_id, created_at, pair_count, content_hash) VALUES (?, ?, 0, '')").run(ds.id, createdAt).lastInsertRowid);
    const pairCount = cat.db
      .prepare(
        `INSERT INTO snapshot_pairs (snapshot_id, pair_id, instrument, split, audio_source_id, image_source_id, video_source_id, start_s, dur_s, frame_s, crop)
         SELECT ?, id, instrument, split, audio_source_id, image_source_id, video_source_id, start_s, dur_s, frame_s, crop
           FROM pairs WHERE dataset_id = ? AND state != 'rejected' ORDER BY id`,
      )
      .run(id, ds.id).changes;
    const h = createHash('sha256');
    const rows = cat.db
      .prepare(
        `SELECT sp.pair_id, sp.instrument, sp.split, a.hash AS a, i.hash AS i, v.hash AS v, sp.start_s, sp.dur_s, sp.frame_s, sp.crop
           FROM snapshot_pairs sp JOIN sources a ON a.id = sp.audio_source_id
           LEFT JOIN sources i ON i.id = sp.image_source_id LEFT JOIN sources v ON v.id = sp.video_source_id
          WHERE sp.snapshot_id = ? ORDER BY sp.pair_id`,
      )
      .raw()
      .iterate(id) as IterableIterator<unknown[]>;
    for (const r of rows) h.update(`${JSON.stringify(r)}\n`);
    const contentHash = h.digest('hex');
    cat.db.prepare('UPDATE snapshots SET pair_count = ?, content_hash = ? WHERE id = ?').run(pairCount, contentHash, id);
    return { id, datasetId: ds.id, createdAt, pairCount, contentHash };
  });
}

export function listSnapshots(cat: Catalog, datasetRef: number | string): SnapshotInfo[] {
  const ds = getDataset(cat, datasetRef);
  return (cat.db.prepare('SELECT * FROM snapshots WHERE dataset_id = ? ORDER BY id').all(ds.id) as Array<Record<string, unknown>>).map((r) => ({
    id: r.id as number,
    datasetId: r.dataset_id as number,
    createdAt: r.created_at as string,
    pairCount: r.pair_count as number,
    contentHash: r.content_hash as string,
  }));
}

export function snapshotPairs(cat: Catalog, snapshotId: number): SnapshotPair[] {
  const exists = cat.db.prepare('SELECT id FROM snapshots WHERE id = ?').get(snapshotId);
  if (!exists) throw new AvError('not_found', `no snapshot ${snapshotId}`);
  return (cat.db.prepare('SELECT * FROM snapshot_pairs WHERE snapshot_id = ? ORDER BY pair_id').all(snapshotId) as Array<Record<string, unknown>>).map((r) => ({
    pairId: r.pair_id as number,
    instrument: r.instrument as string,
    split: r.split as 'train' | 'test',
    audioSourceId: r.audio_source_id as number,
    imageSourceId: (r.image_source_id as number | null) ?? null,
    videoSourceId: (r.video_source_id as number | null) ?? null,
    startS: r.start_s as number,
    durS: r.dur_s as number,
    frameS: (r.frame_s as number | null) ?? null,
    crop: (r.crop as string | null) ?? null,
  }));
}
