// Materialisation: for every pair, the two arrays the networks train on — the LMS of its 0.5 s chunk
// (128×44, §3.1/§3.3) and its 64×64×3 picture (§3.1) — computed once and cached by a content key
// (what the feature is made from, not which pair asked) in feature_cache + the blob store. A second
// call finds everything cached and computes nothing. Plain async function with a progress callback
// and an AbortSignal; each feature is stored blob-first, then its row, so a cancel keeps what is done.
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import sharp from 'sharp';
import { type Catalog, nowIso } from '../catalog/catalog';
import { getDataset } from '../catalog/datasetsRepo';
import { listPairs, type PairRow } from '../catalog/pairsRepo';
import { AvError, toAvError } from '../errors';
import { IMAGE_SIZE, LMS_SHAPE } from '../media/constants';
import { decodeNpy, encodeNpy } from '../media/npy';
import { decodeRgb, type RgbImage } from '../media/image';
import { featureMatrix, type FeatureMatrix } from '../media/spectrogram';
import { computeRepresentation } from '../media/representations';
import type { BlobStore } from '../store/blobStore';
import { quickFeatureStatus } from './featureIndex';
import { IMAGE_REP, LMS_REP, pairFeatureKeys } from './featureKeys';
import { workerThreadEntry } from './workerThreadEntry';
import { type FeatureJob, type FeatureKind, type FeatureOutput, runFeatureJob, type SourceWork } from './featureJobs';
import { pairChunk, pairImage64, sourceOf, TrackCache } from './pairMedia';

export type { FeatureKind } from './featureJobs';

export { FEATURE_VERSION, IMAGE_REP, LMS_REP, pairFeatureKeys } from './featureKeys';

export interface MaterializeProgress {
  /** pairs whose wanted features are all stored (or failed) */
  done: number;
  total: number;
  /** features computed so far in this call */
  computed: number;
}

export interface MaterializeOptions {
  onProgress?: (p: MaterializeProgress) => void;
  signal?: AbortSignal;
  /** Include rejected pairs too (default: only pairs not rejected). */
  includeRejected?: boolean;
  /** Which features (default both): a sound model needs only 'lms' and never waits for pictures. */
  features?: readonly FeatureKind[];
  /** Only these pairs of the dataset (e.g. a snapshot's). */
  pairIds?: readonly number[];
  /** Jobs at a time: this thread plus workers − 1 worker threads (default os.availableParallelism(); 0 or 1 = this thread only). */
  workers?: number;
  /** The studio's thumbs folder: pictures decoded for features get their grid thumbnail there too. */
  thumbsDir?: string;
}

export interface MaterializeResult {
  pairs: number;
  /** features computed by this call (a feature several pairs share counts once) */
  computed: { lms: number; image: number };
  /** pairs whose feature was already stored (or computed for another pair of this call) */
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

/** Pairs of a dataset in materialisation order. */
function pairsToMaterialize(cat: Catalog, datasetId: number, opts: MaterializeOptions): PairRow[] {
  const only = opts.pairIds ? new Set(opts.pairIds) : null;
  return listPairs(cat, { datasetId, limit: Number.MAX_SAFE_INTEGER }).items.filter((p) => (opts.includeRejected || p.state !== 'rejected') && (!only || only.has(p.id)));
}

/** Present = the feature_cache row and its blob file exist (one stat, no directory listing). */
function presence(cat: Catalog, blobs: BlobStore): (k: string, ext: string) => boolean {
  const stmt = cat.db.prepare('SELECT blob_hash FROM feature_cache WHERE key = ?');
  return (k, ext) => {
    const r = stmt.get(k) as { blob_hash: string } | undefined;
    return !!r && existsSync(blobs.pathFor(r.blob_hash, ext));
  };
}

export interface FeatureStatus {
  pairs: number;
  /** pairs whose wanted features are all stored */
  done: number;
  lms: number;
  image: number;
}

/** How many of a dataset's pairs have their features stored (what is left for materializeDataset). */
export function featureStatus(
  cat: Catalog,
  blobs: BlobStore,
  datasetRef: number | string,
  opts: Pick<MaterializeOptions, 'includeRejected' | 'features' | 'pairIds'> & { /** also stat each blob file (default true; false: the rows only, quicker) */ checkFiles?: boolean } = {},
): FeatureStatus {
  const ds = getDataset(cat, datasetRef);
  // rows only: kept keys and an incrementally read key set (see featureIndex.ts), milliseconds at 80,805 pairs
  if (opts.checkFiles === false) return quickFeatureStatus(cat, ds.id, opts, pairFeatureKeys);
  const kinds = new Set(opts.features ?? ['lms', 'image']);
  const has = presence(cat, blobs);
  const st: FeatureStatus = { pairs: 0, done: 0, lms: 0, image: 0 };
  for (const p of pairsToMaterialize(cat, ds.id, opts)) {
    const k = pairFeatureKeys(p);
    const lms = has(k.lms, 'npy');
    const image = has(k.image, 'png');
    st.pairs++;
    if (lms) st.lms++;
    if (image) st.image++;
    if ((!kinds.has('lms') || lms) && (!kinds.has('image') || image)) st.done++;
  }
  return st;
}

const SMALL_SOURCE = 64; // sources with fewer items than this are packed several to a job
const JOB_ITEMS = 256;

/**
 * Groups the missing features by source into jobs: a video or a big source alone, small sources
 * packed together. Sources come in the order of the first pair that needs them (a video before the
 * tracks of its piece), so pairs complete steadily instead of all at the end.
 */
function planJobs(work: Map<string, { first: number; src: SourceWork }>): FeatureJob[] {
  const rank = { video: 0, audio: 1, image: 2 } as const;
  const sources = [...work.values()].sort((a, b) => a.first - b.first || rank[a.src.kind] - rank[b.src.kind]).map((w) => w.src);
  const jobs: FeatureJob[] = [];
  let pack: SourceWork[] = [];
  let packItems = 0;
  const flush = () => {
    if (pack.length) jobs.push({ id: jobs.length, sources: pack });
    pack = [];
    packItems = 0;
  };
  for (const s of sources) {
    if (s.kind === 'video' || s.items.length >= SMALL_SOURCE) {
      flush();
      jobs.push({ id: jobs.length, sources: [s] });
      continue;
    }
    if (packItems + s.items.length > JOB_ITEMS) flush();
    pack.push(s);
    packItems += s.items.length;
  }
  flush();
  return jobs;
}

/**
 * Computes and stores every missing LMS / 64×64 picture of a dataset's pairs. Work is grouped by
 * source (each track, video and image decoded once) and spread over worker threads; every feature
 * is stored (blob, then feature_cache row) the moment it arrives, so a cancel or a kill -9 loses
 * only the features in flight and the next call continues with what is missing.
 */
export async function materializeDataset(cat: Catalog, blobs: BlobStore, datasetRef: number | string, opts: MaterializeOptions = {}): Promise<MaterializeResult> {
  const ds = getDataset(cat, datasetRef);
  const kinds = new Set(opts.features ?? ['lms', 'image']);
  const pairs = pairsToMaterialize(cat, ds.id, opts);
  const res: MaterializeResult = { pairs: pairs.length, computed: { lms: 0, image: 0 }, cached: { lms: 0, image: 0 }, failed: [] };
  const has = presence(cat, blobs);
  const paths = new Map<number, string>();
  const pathOf = (id: number) => paths.get(id) ?? (paths.set(id, sourceOf(cat, id).path), paths.get(id)!);

  // what is missing, by key (pairs sharing a key wait on one computation) and by source
  const waiting = new Map<string, number[]>(); // key → indices of pairs waiting on it
  const pending = new Int32Array(pairs.length); // features each pair still waits on
  const failedPair = new Set<number>();
  const work = new Map<string, { first: number; src: SourceWork }>();
  const keyKind = new Map<string, FeatureKind>();
  const source = (ref: string, first: number, make: () => SourceWork): SourceWork => {
    let w = work.get(ref);
    if (!w) work.set(ref, (w = { first, src: make() }));
    return w.src;
  };
  const fail = (i: number, reason: string) => {
    if (!failedPair.has(i)) res.failed.push({ pairId: pairs[i].id, reason });
    failedPair.add(i);
  };
  // threads take a moment to load: start them while planning when the first pairs lack features
  const threads = runnersOf(opts) - 1;
  const entry = threads > 0 ? workerThreadEntry('featureWorker') : null;
  const sample = pairs.slice(0, 8).map((p) => pairFeatureKeys(p));
  const likelyWork = sample.some((k) => (kinds.has('lms') && !has(k.lms, 'npy')) || (kinds.has('image') && !has(k.image, 'png')));
  const pre = entry && likelyWork ? Array.from({ length: threads }, () => spawnWorker(entry)) : [];

  for (const [i, p] of pairs.entries()) {
    const k = pairFeatureKeys(p);
    const want = (kind: FeatureKind, key: string, ext: string, add: () => void) => {
      if (!kinds.has(kind)) return;
      const w = waiting.get(key);
      if (w) {
        w.push(i);
        pending[i]++;
        return;
      }
      if (has(key, ext)) return;
      try {
        add();
      } catch (err) {
        fail(i, toAvError(err).message);
        return;
      }
      waiting.set(key, [i]);
      keyKind.set(key, kind);
      pending[i]++;
    };
    want('lms', k.lms, 'npy', () => {
      const w = source(`a${p.audio.id}`, i, () => ({ kind: 'audio', file: pathOf(p.audio.id), items: [] }));
      (w.items as Array<{ key: string; startS: number; durS: number }>).push({ key: k.lms, startS: p.startS, durS: p.durS });
    });
    want('image', k.image, 'png', () => {
      if (p.image) {
        const thumb = opts.thumbsDir ? { dir: opts.thumbsDir, hash: p.image.hash } : undefined;
        const w = source(`i${p.image.id}`, i, () => ({ kind: 'image', file: pathOf(p.image!.id), items: [], thumb }));
        (w.items as Array<{ key: string; crop: PairRow['crop'] }>).push({ key: k.image, crop: p.crop });
      } else if (p.video && p.frameS !== null) {
        const w = source(`v${p.video.id}`, i, () => ({ kind: 'video', file: pathOf(p.video!.id), items: [] }));
        (w.items as Array<{ key: string; frameS: number; crop: PairRow['crop'] }>).push({ key: k.image, frameS: p.frameS, crop: p.crop });
      } else throw new AvError('not_found', `pair ${p.id} has neither an image nor a video frame`);
    });
  }

  let done = 0;
  for (let i = 0; i < pairs.length; i++) if (pending[i] === 0) done++;
  const computedTotal = () => res.computed.lms + res.computed.image;
  const progress = () => opts.onProgress?.({ done, total: pairs.length, computed: computedTotal() });
  const resolve = (key: string, reason: string | null) => {
    const w = waiting.get(key);
    if (!w) return;
    waiting.delete(key);
    for (const i of w) {
      if (reason !== null) fail(i, reason);
      if (--pending[i] === 0) done++;
    }
    progress();
  };
  const onOutput = (o: FeatureOutput) => {
    if (!waiting.has(o.key)) return;
    if (o.type === 'feature') {
      storeFeature(cat, blobs, o.key, o.rep, Buffer.from(o.bytes.buffer, o.bytes.byteOffset, o.bytes.byteLength), o.ext, o.shape);
      res.computed[keyKind.get(o.key)!]++;
      resolve(o.key, null);
    } else resolve(o.key, o.reason);
  };
  progress();

  const jobs = planJobs(work);
  try {
    if (opts.signal?.aborted) throw new AvError('cancelled', 'materialisation was cancelled');
    if (jobs.length) await runJobs(jobs, onOutput, opts, (job, reason) => job.sources.forEach((s) => s.items.forEach((it) => resolve(it.key, reason))), pre);
  } finally {
    for (const p of pre) void p.w.terminate();
  }

  // per kind: pairs neither computed here nor failed count as cached (as before: per pair)
  const failedKinds = { lms: 0, image: 0 };
  for (const i of failedPair) {
    const k = pairFeatureKeys(pairs[i]);
    if (kinds.has('lms') && !has(k.lms, 'npy')) failedKinds.lms++;
    if (kinds.has('image') && !has(k.image, 'png')) failedKinds.image++;
  }
  for (const kind of ['lms', 'image'] as const) if (kinds.has(kind)) res.cached[kind] = pairs.length - res.computed[kind] - failedKinds[kind];
  return res;
}

/** A feature worker thread, started early; `ready` once it has loaded its modules. */
interface PooledWorker {
  w: Worker;
  ready: boolean;
  onReady?: () => void;
}

function spawnWorker(entry: () => Worker): PooledWorker {
  const p: PooledWorker = { w: entry(), ready: false };
  // the thread's first message says it has loaded its modules
  p.w.once('message', () => {
    p.ready = true;
    p.onReady?.();
  });
  return p;
}

/**
 * Runs jobs from one queue on `workers` runners: this thread (which starts at once, while the
 * threads load) plus workers − 1 worker threads.
 */
async function runJobs(jobs: FeatureJob[], onOutput: (o: FeatureOutput) => void, opts: MaterializeOptions, onJobFailed: (job: FeatureJob, reason: string) => void, pre: PooledWorker[] = []): Promise<void> {
  const threads = Math.max(0, Math.min(runnersOf(opts), jobs.length) - 1);
  for (const extra of pre.splice(threads)) void extra.w.terminate();
  const entry = threads > 0 ? workerThreadEntry('featureWorker') : null;
  const queue = [...jobs];
  const cancelled = () => new AvError('cancelled', 'materialisation was cancelled');
  const inline = async () => {
    for (let job = queue.shift(); job; job = queue.shift()) {
      if (opts.signal?.aborted) throw cancelled();
      try {
        await runFeatureJob(job, onOutput, opts.signal);
      } catch (err) {
        const e = toAvError(err);
        if (e.kind === 'cancelled') throw e;
        onJobFailed(job, e.message);
      }
    }
    if (opts.signal?.aborted) throw cancelled();
  };
  if (!entry) return inline();
  const workers: Worker[] = [];
  let finished = false;
  const threaded = new Promise<void>((resolveAll, rejectAll) => {
    let running = 0;
    const end = (err?: unknown) => {
      if (finished) return;
      finished = true;
      opts.signal?.removeEventListener('abort', onAbort);
      for (const w of workers) {
        w.postMessage({ type: 'cancel' });
        void w.terminate();
      }
      if (err) rejectAll(err);
      else resolveAll();
    };
    const onAbort = () => end(cancelled());
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    const start = () => {
      const p = pre.shift() ?? spawnWorker(entry);
      const w = p.w;
      workers.push(w);
      running++;
      let current: FeatureJob | null = null;
      const next = () => {
        current = finished ? null : (queue.shift() ?? null);
        if (current) w.postMessage({ type: 'job', job: current });
        else {
          running--;
          void w.terminate();
          if (running === 0) end();
        }
      };
      w.on('message', (m: FeatureOutput | { type: 'ready' } | { type: 'job-done'; id: number } | { type: 'job-failed'; id: number; reason: string }) => {
        if (finished || m.type === 'ready') return;
        if (m.type === 'job-done') next();
        else if (m.type === 'job-failed') {
          if (current) onJobFailed(current, m.reason);
          next();
        } else onOutput(m);
      });
      w.on('error', (err) => {
        if (finished) return;
        // the thread died: what its job had not delivered fails, the others go on
        if (current) onJobFailed(current, `feature worker failed: ${err.message}`);
        current = null;
        running--;
        if (queue.length) start();
        else if (running === 0) end();
      });
      if (p.ready) next();
      else p.onReady = next;
    };
    for (let i = 0; i < threads; i++) start();
  });
  try {
    await Promise.all([inline(), threaded]);
  } finally {
    if (!finished) {
      // this thread failed (cancelled): stop the threads too
      finished = true;
      for (const w of workers) void w.terminate();
    }
  }
}

/** Jobs run at a time: this thread plus worker threads (default: one per core). */
function runnersOf(opts: MaterializeOptions): number {
  return Math.max(1, opts.workers ?? availableParallelism());
}

