// Image–sound pairs: bulk insert (idempotent by pair_key), filtered listing with paging.
import { type Catalog, catalogVersion } from './catalog';

export type Split = 'train' | 'test';
export type PairState = 'pending' | 'accepted' | 'rejected';

export interface PairInput {
  pairKey: string;
  instrument: string;
  split: Split;
  audioSourceId: number;
  imageSourceId?: number | null;
  videoSourceId?: number | null;
  groupKey?: string;
  startS: number;
  durS?: number;
  frameS?: number | null;
  crop?: { x: number; y: number; w: number; h: number } | null;
  state?: PairState;
}

export interface PairRow {
  id: number;
  datasetId: number;
  instrument: string;
  split: Split;
  state: PairState;
  startS: number;
  durS: number;
  frameS: number | null;
  groupKey: string;
  crop: { x: number; y: number; w: number; h: number } | null;
  audio: { id: number; hash: string; name: string };
  image: { id: number; hash: string; name: string } | null;
  video: { id: number; hash: string; name: string } | null;
}

export interface PairFilter {
  datasetId: number;
  instrument?: string;
  split?: Split;
  state?: PairState;
  search?: string;
  group?: string;
  offset?: number;
  limit?: number;
}

/** Inserts pairs, ignoring ones already there (same dataset and pair key); returns how many were added. Call inside a transaction. */
export function insertPairs(cat: Catalog, datasetId: number, pairs: PairInput[]): number {
  const stmt = cat.db.prepare(
    `INSERT INTO pairs (dataset_id, pair_key, instrument, split, audio_source_id, image_source_id, video_source_id,
                                  group_key, start_s, dur_s, frame_s, crop, state)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (dataset_id, pair_key) DO NOTHING`, // only a repeated pair is skipped; other constraint failures throw
  );
  let added = 0;
  for (const p of pairs) {
    added += stmt.run(
      datasetId, p.pairKey, p.instrument, p.split, p.audioSourceId, p.imageSourceId ?? null, p.videoSourceId ?? null,
      p.groupKey ?? '', p.startS, p.durS ?? 0.5, p.frameS ?? null, p.crop ? JSON.stringify(p.crop) : null, p.state ?? 'pending',
    ).changes;
  }
  return added;
}

const PAIRS_WITH_SOURCES = `
    FROM pairs p
    JOIN sources a ON a.id = p.audio_source_id
    LEFT JOIN sources i ON i.id = p.image_source_id
    LEFT JOIN sources v ON v.id = p.video_source_id`;

const SELECT_PAIRS = `
  SELECT p.*, a.hash AS a_hash, a.original_name AS a_name,
         i.hash AS i_hash, i.original_name AS i_name,
         v.hash AS v_hash, v.original_name AS v_name${PAIRS_WITH_SOURCES}`;

function fromRaw(r: Record<string, unknown>): PairRow {
  return {
    id: r.id as number,
    datasetId: r.dataset_id as number,
    instrument: r.instrument as string,
    split: r.split as Split,
    state: r.state as PairState,
    startS: r.start_s as number,
    durS: r.dur_s as number,
    frameS: r.frame_s as number | null,
    groupKey: r.group_key as string,
    crop: r.crop ? JSON.parse(r.crop as string) : null,
    audio: { id: r.audio_source_id as number, hash: r.a_hash as string, name: r.a_name as string },
    image: r.image_source_id ? { id: r.image_source_id as number, hash: r.i_hash as string, name: r.i_name as string } : null,
    video: r.video_source_id ? { id: r.video_source_id as number, hash: r.v_hash as string, name: r.v_name as string } : null,
  };
}

const likePattern = (search: string) => `%${search.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

function where(f: PairFilter, named: number[] = []): { sql: string; args: unknown[] } {
  const parts = ['p.dataset_id = ?'];
  const args: unknown[] = [f.datasetId];
  if (f.instrument) { parts.push('p.instrument = ?'); args.push(f.instrument); }
  if (f.split) { parts.push('p.split = ?'); args.push(f.split); }
  if (f.state) { parts.push('p.state = ?'); args.push(f.state); }
  if (f.group !== undefined) { parts.push('p.group_key = ?'); args.push(f.group); }
  if (f.search) {
    // `named`: the sources whose file name matches (found once by the caller), not a join of every pair with its sources
    const ids = '(SELECT value FROM json_each(?))';
    parts.push(`(p.audio_source_id IN ${ids} OR p.image_source_id IN ${ids} OR p.video_source_id IN ${ids} OR p.instrument LIKE ? ESCAPE '\\')`);
    const json = JSON.stringify(named);
    args.push(json, json, json, likePattern(f.search));
  }
  return { sql: ` WHERE ${parts.join(' AND ')}`, args };
}

const lastNamed = new WeakMap<Catalog, { search: string; version: string; ids: number[] }>();

/**
 * Ids of the sources whose file name contains `search` (a scan of every source: tens of ms at
 * 161,610 sources). A search asks for it several times at once (the page, the counts beside the
 * grid), so the last answer is kept until the search or anything in the catalog changes.
 */
function sourcesNamed(cat: Catalog, search: string): number[] {
  const version = catalogVersion(cat);
  const last = lastNamed.get(cat);
  if (last && last.search === search && last.version === version) return last.ids;
  const ids = cat.db.prepare("SELECT id FROM sources WHERE original_name LIKE ? ESCAPE '\\'").pluck().all(likePattern(search)) as number[];
  lastNamed.set(cat, { search, version, ids });
  return ids;
}

export function listPairs(cat: Catalog, f: PairFilter): { total: number; items: PairRow[] } {
  // Counted and paged over `pairs` alone, then only the page's rows are joined with their sources: at
  // 80,805 pairs a page takes milliseconds, not a join of every pair.
  const named = f.search ? sourcesNamed(cat, f.search) : [];
  const w = where(f, named);
  const total = (cat.db.prepare(`SELECT COUNT(*) AS n FROM pairs p${w.sql}`).get(...w.args) as { n: number }).n;
  // in id order straight from the table (no sort of every matching id per page)
  const ids = cat.db
    .prepare(`SELECT p.id FROM pairs p NOT INDEXED${w.sql} ORDER BY p.id LIMIT ? OFFSET ?`)
    .pluck()
    .all(...w.args, f.limit ?? 100, f.offset ?? 0) as number[];
  if (!ids.length) return { total, items: [] };
  const rows = cat.db.prepare(`${SELECT_PAIRS} WHERE p.id IN (SELECT value FROM json_each(?)) ORDER BY p.id`).all(JSON.stringify(ids)) as Record<string, unknown>[];
  return { total, items: rows.map(fromRaw) };
}

export function getPair(cat: Catalog, id: number): PairRow | null {
  const r = cat.db.prepare(`${SELECT_PAIRS} WHERE p.id = ?`).get(id) as Record<string, unknown> | undefined;
  return r ? fromRaw(r) : null;
}
