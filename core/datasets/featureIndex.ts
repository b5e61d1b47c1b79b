// A quick feature status at full size (80,805 pairs): the Datasets screen asks for it on the
// synchronous server, so it must not hash every pair's keys and look each up in SQLite every time.
// Per catalog connection this keeps (a) each pair's two feature keys, remembered with the columns
// they are made from (a pair whose window, frame, crop or media changes gets new keys), and (b) the
// set of keys in feature_cache, brought up to date on each call by reading only the rows added since
// (rowid order), and read again whole when a row disappeared (count or last row differ) — so rows
// written by another process are seen and nothing stale is reported. (c) When nothing at all was
// written to the database since the last answer (SQLite's data_version for other connections,
// total_changes() for this one), that answer is returned as is: a filter or scroll costs nothing.
import { type Catalog, catalogVersion } from '../catalog/catalog';
import type { PairRow } from '../catalog/pairsRepo';
import type { FeatureKind } from './featureJobs';

export interface QuickStatus {
  pairs: number;
  done: number;
  lms: number;
  image: number;
}

interface Index {
  keys: Map<number, { sig: string; lms: string; image: string }>;
  present: Set<string>;
  maxRowid: number;
  lastKey: string | null;
  /** last answers by dataset + options, with the database version they were computed at */
  answers: Map<string, { version: string; st: QuickStatus }>;
}

const indexes = new WeakMap<Catalog, Index>();

/** Reads the feature_cache keys added since the last read, ROWS_PER_READ at a time, yielding between reads. */
function* readKeysAfter(cat: Catalog, ix: Index): Generator<void> {
  const read = cat.db.prepare(`SELECT rowid, key FROM feature_cache WHERE rowid > ? ORDER BY rowid LIMIT ${ROWS_PER_READ}`).raw();
  for (;;) {
    const slice = read.all(ix.maxRowid) as Array<[number, string]>;
    for (const [rowid, k] of slice) {
      ix.present.add(k);
      ix.maxRowid = rowid;
      ix.lastKey = k;
    }
    if (slice.length < ROWS_PER_READ) return;
    yield;
  }
}

function* presentKeys(cat: Catalog): Generator<void, Set<string>> {
  let ix = indexes.get(cat);
  if (!ix) indexes.set(cat, (ix = { keys: new Map(), present: new Set(), maxRowid: 0, lastKey: null, answers: new Map() }));
  const db = cat.db;
  const reload = () => {
    ix!.present = new Set();
    ix!.maxRowid = 0;
    ix!.lastKey = null;
  };
  // a row at or below the last rowid seen was removed or replaced by another: read everything again
  if (ix.maxRowid > 0 && (db.prepare('SELECT key FROM feature_cache WHERE rowid = ?').pluck().get(ix.maxRowid) as string | undefined) !== ix.lastKey) reload();
  yield* readKeysAfter(cat, ix);
  const count = (db.prepare('SELECT COUNT(*) FROM feature_cache').pluck().get() as number) ?? 0;
  if (count !== ix.present.size) {
    reload();
    yield* readKeysAfter(cat, ix);
  }
  return ix.present;
}

type Raw = [
  id: number, state: string, startS: number, durS: number, frameS: number | null, crop: string | null,
  audio: number, image: number | null, video: number | null, audioHash: string, imageHash: string | null, videoHash: string | null,
];

export type StatusOptions = { includeRejected?: boolean; features?: readonly FeatureKind[]; pairIds?: readonly number[] };
type KeysOf = (p: PairRow) => { lms: string; image: string };

/** Longest stretch of work between two yields of the async status, so requests interleave. */
const SLICE_MS = 12;
/** Pairs per read of the pairs table (a few ms each). */
const ROWS_PER_READ = 1000;

/**
 * The status computation as a generator that yields about every SLICE_MS of work (the first sight
 * of a pair hashes its two keys: a few µs each, a few hundred ms at 80,805 pairs). The sync and
 * async drivers below run the same steps.
 */
function* statusSteps(cat: Catalog, datasetId: number, opts: StatusOptions, keysOf: KeysOf): Generator<void, QuickStatus> {
  // nothing written since the last answer (by this connection: total_changes; by any other: data_version)? the same answer
  const version = catalogVersion(cat);
  const ask = JSON.stringify([datasetId, !!opts.includeRejected, opts.features ?? null, opts.pairIds ?? null]);
  const prev = indexes.get(cat)?.answers.get(ask);
  if (prev && prev.version === version) return { ...prev.st };
  const present = yield* presentKeys(cat);
  const ix = indexes.get(cat)!;
  const kinds = new Set(opts.features ?? ['lms', 'image']);
  const only = opts.pairIds ? new Set(opts.pairIds) : null;
  // the pairs with their sources' hashes, read in slices of ROWS_PER_READ by id so no single read
  // holds the event loop for long (a rowid range scan: `+` keeps SQLite off the dataset index, which
  // would sort every slice); a statement is never left open across a yield
  const read = cat.db.prepare(
    `SELECT p.id, p.state, p.start_s, p.dur_s, p.frame_s, p.crop, p.audio_source_id, p.image_source_id, p.video_source_id, a.hash, i.hash, v.hash
     FROM pairs p JOIN sources a ON a.id = p.audio_source_id LEFT JOIN sources i ON i.id = p.image_source_id LEFT JOIN sources v ON v.id = p.video_source_id
     WHERE p.id > ? AND +p.dataset_id = ? ORDER BY p.id LIMIT ${ROWS_PER_READ}`,
  ).raw();
  const all: Raw[] = [];
  for (let after = 0; ; ) {
    const slice = read.all(after, datasetId) as Raw[];
    for (const r of slice) all.push(r);
    if (slice.length < ROWS_PER_READ) break;
    after = slice[slice.length - 1][0];
    yield;
  }
  const st: QuickStatus = { pairs: 0, done: 0, lms: 0, image: 0 };
  let sliceStart = performance.now();
  for (let n = 0; n < all.length; n++) {
    const [id, state, startS, durS, frameS, crop, audio, image_, video, audioHash, imageHash, videoHash] = all[n];
    if ((!opts.includeRejected && state === 'rejected') || (only && !only.has(id))) continue;
    const sig = `${audio}|${startS}|${durS}|${image_}|${video}|${frameS}|${crop}`;
    let k = ix.keys.get(id);
    if (!k || k.sig !== sig) {
      const pair = {
        id,
        startS,
        durS,
        frameS,
        crop: crop ? JSON.parse(crop) : null,
        audio: { id: audio, hash: audioHash, name: '' },
        image: image_ ? { id: image_, hash: imageHash, name: '' } : null,
        video: video ? { id: video, hash: videoHash, name: '' } : null,
      } as PairRow;
      k = { sig, ...keysOf(pair) };
      ix.keys.set(id, k);
    }
    const lms = present.has(k.lms);
    const image = present.has(k.image);
    st.pairs++;
    if (lms) st.lms++;
    if (image) st.image++;
    if ((!kinds.has('lms') || lms) && (!kinds.has('image') || image)) st.done++;
    if ((n & 255) === 255 && performance.now() - sliceStart > SLICE_MS) {
      yield;
      sliceStart = performance.now();
    }
  }
  if (ix.answers.size > 16) ix.answers.clear();
  ix.answers.set(ask, { version, st: { ...st } });
  return st;
}

/**
 * The feature status of a dataset's pairs from the catalog rows alone (no blob files checked).
 * `keysOf` is pairFeatureKeys; it is called only for pairs not seen before or changed since.
 */
export function quickFeatureStatus(cat: Catalog, datasetId: number, opts: StatusOptions, keysOf: KeysOf): QuickStatus {
  const steps = statusSteps(cat, datasetId, opts, keysOf);
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
  }
}

/**
 * The same status for a server's event loop: it yields to other requests every few thousand pairs, so
 * the first status of a large dataset (keys hashed for every pair) never holds up a page of pairs or a
 * filter. The rows are read once at the start; writes made meanwhile show in the next answer.
 */
export async function quickFeatureStatusAsync(cat: Catalog, datasetId: number, opts: StatusOptions, keysOf: KeysOf): Promise<QuickStatus> {
  const steps = statusSteps(cat, datasetId, opts, keysOf);
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}
