// What a run trains on: the pairs of its frozen dataset snapshot, as normalised log-mel
// spectrograms and 64×64 RGB images, split into train/test with integer class labels.
//
// Normalisation (the paper does not say; chosen so every network sees values in [-1, 1] and the
// I2S generator's tanh output can reach every real value, §3.1):
//  - LMS (dB, librosa power_to_db with top_db 80): x = (dB − max dB of the clip) / 40 + 1 ∈ [-1, 1].
//  - images: RGB / 127.5 − 1 ∈ [-1, 1] (DCGAN convention).
//  - the other Table 1 representations (sound-classifier runs only, §3.3), per clip:
//    ms / stft / cqt (linear power or magnitude): x = 2·v / max v − 1 ∈ [-1, 1] — kept linear on
//    purpose, since linear vs log amplitude is what Table 1 compares; mfcc: x = v / max |v| ∈ [-1, 1]
//    (the cepstrum is signed). A silent clip maps to -1 (or 0 for mfcc).
import type { Catalog } from '../catalog/catalog';
import type { PairRow } from '../catalog/pairsRepo';
import { getSource } from '../catalog/sourcesRepo';
import { pairFeatures } from '../datasets/materialize';
import { pairChunk, TrackCache } from '../datasets/pairMedia';
import type { BlobStore } from '../store/blobStore';
import { snapshotPairs, type SnapshotPair } from '../datasets/snapshots';
import { AvError } from '../errors';
import { LMS_SHAPE } from '../media/constants';
import { toSignedFloat } from '../media/image';
import { computeRepresentation, type Representation } from '../media/representations';
import { resizeBilinear } from '../media/resize';
import { featureMatrix } from '../media/spectrogram';
import type * as tfjs from '@tensorflow/tfjs';
import type { Tf } from '../tf/tfBackend';

export const LMS_DB_RANGE = 80;

export interface SplitData {
  pairIds: number[];
  labels: number[];
  /** normalised LMS, 128×44 row-major each */
  lms: Float32Array[];
  /** 64×64×3 in [-1, 1], HWC each */
  images: Float32Array[];
  /** the sound classifier's input representation, normalised, `TrainingData.soundShape` each (the LMS arrays when it is LMS) */
  sound: Float32Array[];
}

export interface TrainingData {
  classes: string[];
  /** representation of `sound` (Table 1) and its [rows, frames] */
  representation: Representation;
  soundShape: readonly [number, number];
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

/** Linear magnitude / power → [-1, 1] by the clip's peak; MFCC → [-1, 1] by its largest |value|. */
export function normaliseRepresentation(rep: Representation, values: Float32Array): Float32Array {
  if (rep === 'lms') return normaliseLms(values);
  const out = new Float32Array(values.length);
  if (rep === 'mfcc') {
    let m = 0;
    for (const v of values) m = Math.max(m, Math.abs(v));
    for (let i = 0; i < values.length; i++) out[i] = m > 0 ? values[i] / m : 0;
    return out;
  }
  let max = 0;
  for (const v of values) if (v > max) max = v;
  for (let i = 0; i < values.length; i++) out[i] = max > 0 ? Math.max(-1, Math.min(1, (2 * values[i]) / max - 1)) : -1;
  return out;
}

/** A snapshot row as the pair shape the media helpers take (names are only for messages). */
export function asPairRow(cat: Catalog, p: SnapshotPair, datasetId: number): PairRow {
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
  blobs: BlobStore,
  snapshotId: number,
  datasetId: number,
  opts: { instrument?: string | null; representation?: Representation; onProgress?: (done: number, total: number) => void } = {},
): Promise<TrainingData> {
  let rows = snapshotPairs(cat, snapshotId);
  if (opts.instrument) rows = rows.filter((r) => r.instrument === opts.instrument);
  if (rows.length === 0) throw new AvError('empty_input', `snapshot ${snapshotId} has no pairs${opts.instrument ? ` of ${opts.instrument}` : ''} to train on`);
  const classes = [...new Set(rows.map((r) => r.instrument))].sort();
  const representation = opts.representation ?? 'lms';
  const empty = (): SplitData => ({ pairIds: [], labels: [], lms: [], images: [], sound: [] });
  const data: TrainingData = { classes, representation, soundShape: LMS_SHAPE, train: empty(), test: empty() };
  // process pairs of the same track together so each track is decoded once
  rows.sort((a, b) => a.audioSourceId - b.audioSourceId || a.startS - b.startS);
  const cache = new TrackCache();
  for (const [i, r] of rows.entries()) {
    const pair = asPairRow(cat, r, datasetId);
    // LMS and 64×64 picture come from the materialisation cache (computed and cached when missing)
    const features = await pairFeatures(cat, blobs, pair, cache);
    const lms = normaliseLms(features.lms.data);
    const img = features.image;
    const split = data[r.split];
    split.pairIds.push(r.pairId);
    split.labels.push(classes.indexOf(r.instrument));
    split.lms.push(lms);
    if (representation === 'lms') split.sound.push(lms);
    else {
      const file = getSource(cat, r.audioSourceId)?.path;
      const m = computeRepresentation(representation, await pairChunk(cat, pair, cache), file);
      data.soundShape = m.shape;
      split.sound.push(normaliseRepresentation(representation, m.data));
    }
    split.images.push(toSignedFloat(img));
    opts.onProgress?.(i + 1, rows.length);
  }
  return data;
}

/** (N, h, w, 1) spectrogram tensor, each LMS resized from 128×44 to [h, w] (bilinear, §3.4). */
export function lmsTensor(tf: Tf, lms: Float32Array[], shape: readonly [number, number]): tfjs.Tensor4D {
  return spectrogramTensor(tf, lms, LMS_SHAPE, shape);
}

/** (N, h, w, 1) tensor of [rows, frames] matrices, each resized to [h, w] (bilinear) when it differs. */
export function spectrogramTensor(tf: Tf, mats: Float32Array[], from: readonly [number, number], shape: readonly [number, number]): tfjs.Tensor4D {
  const [h, w] = shape;
  const out = new Float32Array(mats.length * h * w);
  mats.forEach((m, i) => {
    const resized = h === from[0] && w === from[1] ? m : resizeBilinear(featureMatrix(from[0], from[1], m), [h, w]).data;
    out.set(resized, i * h * w);
  });
  return tf.tensor4d(out, [mats.length, h, w, 1]);
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
