// Image–sound pairs: bulk insert (idempotent by pair_key), filtered listing with paging.
import type { Catalog } from './catalog';

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

const SELECT_PAIRS = `
  SELECT p.*, a.hash AS a_hash, a.original_name AS a_name,
         i.hash AS i_hash, i.original_name AS i_name,
         v.hash AS v_hash, v.original_name AS v_name
    FROM pairs p
    JOIN sources a ON a.id = p.audio_source_id
    LEFT JOIN sources i ON i.id = p.image_source_id
    LEFT JOIN sources v ON v.id = p.video_source_id`;

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

function where(f: PairFilter): { sql: string; args: unknown[] } {
  const parts = ['p.dataset_id = ?'];
  const args: unknown[] = [f.datasetId];
  if (f.instrument) { parts.push('p.instrument = ?'); args.push(f.instrument); }
  if (f.split) { parts.push('p.split = ?'); args.push(f.split); }
  if (f.state) { parts.push('p.state = ?'); args.push(f.state); }
  if (f.group !== undefined) { parts.push('p.group_key = ?'); args.push(f.group); }
  if (f.search) {
    parts.push("(a.original_name LIKE ? ESCAPE '\\' OR i.original_name LIKE ? ESCAPE '\\' OR v.original_name LIKE ? ESCAPE '\\' OR p.instrument LIKE ? ESCAPE '\\')");
    const like = `%${f.search.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    args.push(like, like, like, like);
  }
  return { sql: ` WHERE ${parts.join(' AND ')}`, args };
}

export function listPairs(cat: Catalog, f: PairFilter): { total: number; items: PairRow[] } {
  const w = where(f);
  const total = (cat.db.prepare(`SELECT COUNT(*) AS n FROM (${SELECT_PAIRS}${w.sql})`).get(...w.args) as { n: number }).n;
  const rows = cat.db
    .prepare(`${SELECT_PAIRS}${w.sql} ORDER BY p.id LIMIT ? OFFSET ?`)
    .all(...w.args, f.limit ?? 100, f.offset ?? 0) as Record<string, unknown>[];
  return { total, items: rows.map(fromRaw) };
}

export function getPair(cat: Catalog, id: number): PairRow | null {
  const r = cat.db.prepare(`${SELECT_PAIRS} WHERE p.id = ?`).get(id) as Record<string, unknown> | undefined;
  return r ? fromRaw(r) : null;
}
