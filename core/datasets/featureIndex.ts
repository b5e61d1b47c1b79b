// A quick feature status at full size (80,805 pairs): the Datasets screen asks for it on the
// synchronous server, so it must not hash every pair's keys and look each up in SQLite every time.
// Per catalog connection this keeps (a) each pair's two feature keys, remembered with the columns
// they are made from (a pair whose window, frame, crop or media changes gets new keys), and (b) the
// set of keys in feature_cache, brought up to date on each call by reading only the rows added since
// (rowid order), and read again whole when a row disappeared (count or last row differ) — so rows
// written by another process are seen and nothing stale is reported. (c) When nothing at all was
// written to the database since the last answer (SQLite's data_version for other connections,
// total_changes() for this one), that answer is returned as is: a filter or scroll costs nothing.
import type { Catalog } from '../catalog/catalog';
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
  /** source id → content hash (sources rows are never updated nor deleted, so an id keeps its hash) */
  hashes: Map<number, string>;
}

const indexes = new WeakMap<Catalog, Index>();

function presentKeys(cat: Catalog): Set<string> {
  let ix = indexes.get(cat);
  if (!ix) indexes.set(cat, (ix = { keys: new Map(), present: new Set(), maxRowid: 0, lastKey: null, answers: new Map(), hashes: new Map() }));
  const db = cat.db;
  const reload = () => {
    ix!.present = new Set();
    ix!.maxRowid = 0;
    ix!.lastKey = null;
  };
  // a row at or below the last rowid seen was removed or replaced by another: read everything again
  if (ix.maxRowid > 0 && (db.prepare('SELECT key FROM feature_cache WHERE rowid = ?').pluck().get(ix.maxRowid) as string | undefined) !== ix.lastKey) reload();
  const added = db.prepare('SELECT rowid, key FROM feature_cache WHERE rowid > ? ORDER BY rowid').raw().all(ix.maxRowid) as Array<[number, string]>;
  for (const [rowid, k] of added) {
    ix.present.add(k);
    ix.maxRowid = rowid;
    ix.lastKey = k;
  }
  const count = (db.prepare('SELECT COUNT(*) FROM feature_cache').pluck().get() as number) ?? 0;
  if (count !== ix.present.size) {
    reload();
    for (const [rowid, k] of db.prepare('SELECT rowid, key FROM feature_cache ORDER BY rowid').raw().all() as Array<[number, string]>) {
      ix.present.add(k);
      ix.maxRowid = rowid;
      ix.lastKey = k;
    }
  }
  return ix.present;
}

type Raw = [id: number, state: string, startS: number, durS: number, frameS: number | null, crop: string | null, audio: number, image: number | null, video: number | null];

type StatusOptions = { includeRejected?: boolean; features?: readonly FeatureKind[]; pairIds?: readonly number[] };
type KeysOf = (p: PairRow) => { lms: string; image: string };

/** Pairs handled between two yields of the async status: ~25 ms of hashing at most, so requests interleave. */
const YIELD_EVERY = 500;

/**
 * The status computation as a generator that yields every YIELD_EVERY pairs (the first sight of a
 * pair hashes its keys: ~50 µs each, a second or more at 80,805 pairs). The sync and async drivers
 * below run the same steps.
 */
function* statusSteps(cat: Catalog, datasetId: number, opts: StatusOptions, keysOf: KeysOf): Generator<void, QuickStatus> {
  // nothing written since the last answer (by this connection: total_changes; by any other: data_version)? the same answer
  const version = `${cat.db.pragma('data_version', { simple: true })}:${cat.db.prepare('SELECT total_changes()').pluck().get()}`;
  const ask = JSON.stringify([datasetId, !!opts.includeRejected, opts.features ?? null, opts.pairIds ?? null]);
  const prev = indexes.get(cat)?.answers.get(ask);
  if (prev && prev.version === version) return { ...prev.st };
  const present = presentKeys(cat);
  const ix = indexes.get(cat)!;
  const kinds = new Set(opts.features ?? ['lms', 'image']);
  const only = opts.pairIds ? new Set(opts.pairIds) : null;
  // the pairs table alone (no join with sources: the hashes are kept by source id)
  const rows = cat.db
    .prepare('SELECT id, state, start_s, dur_s, frame_s, crop, audio_source_id, image_source_id, video_source_id FROM pairs WHERE dataset_id = ?')
    .raw()
    .all(datasetId) as Raw[];
  const hashStmt = cat.db.prepare('SELECT hash FROM sources WHERE id = ?').pluck();
  const hashOf = (id: number): string => {
    let h = ix.hashes.get(id);
    if (h === undefined) ix.hashes.set(id, (h = hashStmt.get(id) as string));
    return h;
  };
  const st: QuickStatus = { pairs: 0, done: 0, lms: 0, image: 0 };
  let hashed = 0;
  for (const r of rows) {
    const [id, state, startS, durS, frameS, crop, audio, image_, video] = r;
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
        audio: { id: audio, hash: hashOf(audio), name: '' },
        image: image_ ? { id: image_, hash: hashOf(image_), name: '' } : null,
        video: video ? { id: video, hash: hashOf(video), name: '' } : null,
      } as PairRow;
      k = { sig, ...keysOf(pair) };
      ix.keys.set(id, k);
      if (++hashed % YIELD_EVERY === 0) yield;
    }
    const lms = present.has(k.lms);
    const image = present.has(k.image);
    st.pairs++;
    if (lms) st.lms++;
    if (image) st.image++;
    if ((!kinds.has('lms') || lms) && (!kinds.has('image') || image)) st.done++;
    if (st.pairs % (YIELD_EVERY * 10) === 0) yield;
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
