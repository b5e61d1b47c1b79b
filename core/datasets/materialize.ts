// Materialisation: for every pair, the two arrays the networks train on — the LMS of its 0.5 s chunk
// (128×44, §3.1/§3.3) and its 64×64×3 picture (§3.1) — computed once and cached by a content key
// (what the feature is made from, not which pair asked) in feature_cache + the blob store. A second
// call finds everything cached and computes nothing. Plain async function with a progress callback
// and an AbortSignal; each feature is stored blob-first, then its row, so a cancel keeps what is done.
import { createHash } from 'node:crypto';
import sharp from 'sharp';
import { type Catalog, nowIso } from '../catalog/catalog';
import { getDataset } from '../catalog/datasetsRepo';
import { getPair, type PairRow } from '../catalog/pairsRepo';
import { AvError } from '../errors';
import { IMAGE_SIZE, LMS_SHAPE } from '../media/constants';
import { decodeNpy, encodeNpy } from '../media/npy';
import { decodeRgb, type RgbImage } from '../media/image';
import { featureMatrix, type FeatureMatrix } from '../media/spectrogram';
import { computeRepresentation } from '../media/representations';
import type { BlobStore } from '../store/blobStore';
import { pairChunk, pairImage64, sourceOf, TrackCache } from './pairMedia';

/** Bump when the way a feature is computed changes: old cache entries are then simply not found. */
export const FEATURE_VERSION = 1;
export const LMS_REP = 'lms';
export const IMAGE_REP = 'image64';

const key = (s: string) => createHash('sha256').update(s).digest('hex');

/** The cache keys of a pair's LMS and 64×64 picture (depend only on content, window, frame and crop). */
export function pairFeatureKeys(pair: PairRow): { lms: string; image: string } {
  const picture = pair.image ? `image:${pair.image.hash}` : pair.video ? `video:${pair.video.hash}@${pair.frameS}` : 'none';
  return {
    lms: key(`${LMS_REP}:v${FEATURE_VERSION}:${pair.audio.hash}:${pair.startS}:${pair.durS}`),
    image: key(`${IMAGE_REP}:v${FEATURE_VERSION}:${picture}:${pair.crop ? JSON.stringify(pair.crop) : 'whole'}`),
  };
}

export interface MaterializeProgress {
  done: number;
  total: number;
  computed: number;
}

export interface MaterializeOptions {
  onProgress?: (p: MaterializeProgress) => void;
  signal?: AbortSignal;
  /** Include rejected pairs too (default: only pairs not rejected). */
  includeRejected?: boolean;
}

export interface MaterializeResult {
  pairs: number;
  computed: { lms: number; image: number };
  cached: { lms: number; image: number };
  failed: Array<{ pairId: number; reason: string }>;
}

/** The cached blob hash for a key, when both the row and the file are there. */
export function cachedFeature(cat: Catalog, blobs: BlobStore, k: string): string | null {
  const r = cat.db.prepare('SELECT blob_hash FROM feature_cache WHERE key = ?').get(k) as { blob_hash: string } | undefined;
  return r && blobs.find(r.blob_hash) ? r.blob_hash : null;
}

/** Stores bytes in the blob store and records them under a cache key; returns the blob hash. */
export function storeFeature(cat: Catalog, blobs: BlobStore, k: string, rep: string, bytes: Buffer, ext: string, shape: readonly number[]): string {
  const hash = blobs.put(bytes, ext);
  cat.db
    .prepare('INSERT INTO feature_cache (key, rep, blob_hash, shape, created_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (key) DO UPDATE SET blob_hash = excluded.blob_hash, shape = excluded.shape')
    .run(k, rep, hash, JSON.stringify(shape), nowIso());
  return hash;
}

/** A pair's LMS (dB, 128×44), from the cache or computed and cached. */
export async function pairLmsFeature(cat: Catalog, blobs: BlobStore, pair: PairRow, tracks = new TrackCache()): Promise<{ lms: FeatureMatrix; computed: boolean }> {
  const k = pairFeatureKeys(pair).lms;
  const hash = cachedFeature(cat, blobs, k);
  if (hash) {
    const arr = decodeNpy(blobs.read(hash), blobs.find(hash) ?? undefined);
    return { lms: featureMatrix(arr.shape[0], arr.shape[1], arr.data), computed: false };
  }
  const lms = computeRepresentation('lms', await pairChunk(cat, pair, tracks), sourceOf(cat, pair.audio.id).path);
  if (lms.shape[0] !== LMS_SHAPE[0] || lms.shape[1] !== LMS_SHAPE[1]) throw new AvError('internal', `LMS shape ${lms.shape} is not ${LMS_SHAPE}`);
  storeFeature(cat, blobs, k, LMS_REP, encodeNpy(lms.data, lms.shape), 'npy', lms.shape);
  return { lms, computed: true };
}

/** A pair's 64×64 picture as a cached PNG's blob hash (and the pixels when they were just computed). */
export async function pairImageFeature(cat: Catalog, blobs: BlobStore, pair: PairRow): Promise<{ hash: string; image: RgbImage | null; computed: boolean }> {
  const k = pairFeatureKeys(pair).image;
  const cached = cachedFeature(cat, blobs, k);
  if (cached) return { hash: cached, image: null, computed: false };
  const image = await pairImage64(cat, pair);
  const png = await sharp(Buffer.from(image.data), { raw: { width: IMAGE_SIZE, height: IMAGE_SIZE, channels: 3 } }).png().toBuffer();
  return { hash: storeFeature(cat, blobs, k, IMAGE_REP, png, 'png', [IMAGE_SIZE, IMAGE_SIZE, 3]), image, computed: true };
}

export interface PairFeatures {
  /** the LMS in dB, 128×44 */
  lms: FeatureMatrix;
  /** the 64×64 RGB picture */
  image: RgbImage;
  computed: { lms: boolean; image: boolean };
}

/** A pair's LMS and 64×64 picture, from the cache when there, computed and cached otherwise. */
export async function pairFeatures(cat: Catalog, blobs: BlobStore, pair: PairRow, tracks = new TrackCache()): Promise<PairFeatures> {
  const { lms, computed: lmsComputed } = await pairLmsFeature(cat, blobs, pair, tracks);
  const img = await pairImageFeature(cat, blobs, pair);
  const image = img.image ?? (await decodeRgb(blobs.read(img.hash)));
  return { lms, image, computed: { lms: lmsComputed, image: img.computed } };
}

export async function materializeDataset(cat: Catalog, blobs: BlobStore, datasetRef: number | string, opts: MaterializeOptions = {}): Promise<MaterializeResult> {
  const ds = getDataset(cat, datasetRef);
  const ids = (
    cat.db
      .prepare(`SELECT id FROM pairs WHERE dataset_id = ? ${opts.includeRejected ? '' : "AND state != 'rejected'"} ORDER BY audio_source_id, start_s, id`)
      .all(ds.id) as Array<{ id: number }>
  ).map((r) => r.id);
  const res: MaterializeResult = { pairs: ids.length, computed: { lms: 0, image: 0 }, cached: { lms: 0, image: 0 }, failed: [] };
  const tracks = new TrackCache();
  for (const [i, id] of ids.entries()) {
    if (opts.signal?.aborted) throw new AvError('cancelled', 'materialisation was cancelled');
    const pair = getPair(cat, id);
    if (!pair) continue;
    try {
      const f = await pairFeatures(cat, blobs, pair, tracks);
      if (f.computed.lms) res.computed.lms++;
      else res.cached.lms++;
      if (f.computed.image) res.computed.image++;
      else res.cached.image++;
    } catch (err) {
      res.failed.push({ pairId: id, reason: err instanceof Error ? err.message : String(err) });
    }
    opts.onProgress?.({ done: i + 1, total: ids.length, computed: res.computed.lms + res.computed.image });
  }
  return res;
}
