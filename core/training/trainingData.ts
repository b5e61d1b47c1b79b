// What a run trains on: the pairs of its frozen dataset snapshot, as normalised log-mel
// spectrograms and 64×64 RGB images, split into train/test with integer class labels.
//
// Normalisation (the paper does not say; chosen so every network sees values in [-1, 1] and the
// I2S generator's tanh output can reach every real value, §3.1):
//  - LMS (dB, librosa power_to_db with top_db 80): x = (dB − max dB of the clip) / 40 + 1 ∈ [-1, 1].
//  - images: RGB / 127.5 − 1 ∈ [-1, 1] (DCGAN convention).
import type { Catalog } from '../catalog/catalog';
import type { PairRow } from '../catalog/pairsRepo';
import { getSource } from '../catalog/sourcesRepo';
import { pairChunk, pairImage64, TrackCache } from '../datasets/pairMedia';
import { snapshotPairs, type SnapshotPair } from '../datasets/snapshots';
import { AvError } from '../errors';
import { LMS_SHAPE } from '../media/constants';
import { toSignedFloat } from '../media/image';
import { computeRepresentation } from '../media/representations';
import { resizeBilinear } from '../media/resize';
import { featureMatrix } from '../media/spectrogram';
import type * as tfjs from '@tensorflow/tfjs';
import type { Tf } from './tfBackend';

export const LMS_DB_RANGE = 80;

export interface SplitData {
  pairIds: number[];
  labels: number[];
  /** normalised LMS, 128×44 row-major each */
  lms: Float32Array[];
  /** 64×64×3 in [-1, 1], HWC each */
  images: Float32Array[];
}

export interface TrainingData {
  classes: string[];
  train: SplitData;
  test: SplitData;
}

/** dB LMS → [-1, 1] relative to the clip's loudest bin. */
export function normaliseLms(db: Float32Array): Float32Array {
  let max = -Infinity;
  for (const v of db) if (v > max) max = v;
  const out = new Float32Array(db.length);
  for (let i = 0; i < db.length; i++) out[i] = Math.max(-1, Math.min(1, (db[i] - max) / (LMS_DB_RANGE / 2) + 1));
  return out;
}

/** A snapshot row as the pair shape the media helpers take (names are only for messages). */
function asPairRow(cat: Catalog, p: SnapshotPair, datasetId: number): PairRow {
  const ref = (id: number | null) => {
    if (id === null) return null;
    const s = getSource(cat, id);
    if (!s) throw new AvError('not_found', `source ${id} of pair ${p.pairId} is missing from the catalog`);
    return { id, hash: s.hash, name: s.originalName };
  };
  return {
    id: p.pairId,
    datasetId,
    instrument: p.instrument,
    split: p.split,
    state: 'accepted',
    startS: p.startS,
    durS: p.durS,
    frameS: p.frameS,
    groupKey: '',
    crop: p.crop ? (JSON.parse(p.crop) as PairRow['crop']) : null,
    audio: ref(p.audioSourceId) as PairRow['audio'],
    image: ref(p.imageSourceId),
    video: ref(p.videoSourceId),
  };
}

export async function loadSnapshotData(
  cat: Catalog,
  snapshotId: number,
  datasetId: number,
  opts: { instrument?: string | null; onProgress?: (done: number, total: number) => void } = {},
): Promise<TrainingData> {
  let rows = snapshotPairs(cat, snapshotId);
  if (opts.instrument) rows = rows.filter((r) => r.instrument === opts.instrument);
  if (rows.length === 0) throw new AvError('empty_input', `snapshot ${snapshotId} has no pairs${opts.instrument ? ` of ${opts.instrument}` : ''} to train on`);
  const classes = [...new Set(rows.map((r) => r.instrument))].sort();
  const empty = (): SplitData => ({ pairIds: [], labels: [], lms: [], images: [] });
  const data: TrainingData = { classes, train: empty(), test: empty() };
  // process pairs of the same track together so each track is decoded once
  rows.sort((a, b) => a.audioSourceId - b.audioSourceId || a.startS - b.startS);
  const cache = new TrackCache();
  for (const [i, r] of rows.entries()) {
    const pair = asPairRow(cat, r, datasetId);
    const clip = await pairChunk(cat, pair, cache);
    const lms = computeRepresentation('lms', clip, getSource(cat, r.audioSourceId)?.path);
    const img = await pairImage64(cat, pair);
    const split = data[r.split];
    split.pairIds.push(r.pairId);
    split.labels.push(classes.indexOf(r.instrument));
    split.lms.push(normaliseLms(lms.data));
    split.images.push(toSignedFloat(img));
    opts.onProgress?.(i + 1, rows.length);
  }
  return data;
}

/** (N, h, w, 1) spectrogram tensor, each LMS resized from 128×44 to [h, w] (bilinear, §3.4). */
export function lmsTensor(tf: Tf, lms: Float32Array[], shape: readonly [number, number]): tfjs.Tensor4D {
  const [h, w] = shape;
  const out = new Float32Array(lms.length * h * w);
  lms.forEach((m, i) => {
    const resized = h === LMS_SHAPE[0] && w === LMS_SHAPE[1] ? m : resizeBilinear(featureMatrix(LMS_SHAPE[0], LMS_SHAPE[1], m), [h, w]).data;
    out.set(resized, i * h * w);
  });
  return tf.tensor4d(out, [lms.length, h, w, 1]);
}

/** (N, size, size, 3) image tensor; 64×64 inputs are resized bilinearly for smaller presets. */
export function imageTensor(tf: Tf, images: Float32Array[], size: number): tfjs.Tensor4D {
  const full = 64;
  return tf.tidy(() => {
    const flat = new Float32Array(images.length * full * full * 3);
    images.forEach((im, i) => flat.set(im, i * full * full * 3));
    const t = tf.tensor4d(flat, [images.length, full, full, 3]);
    return size === full ? t : (tf.image.resizeBilinear(t, [size, size]) as tfjs.Tensor4D);
  });
}
