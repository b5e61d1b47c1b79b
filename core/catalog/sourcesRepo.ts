// Media files known to the catalog, keyed by content hash so the same file is stored once.
import { type Catalog, nowIso } from './catalog';

export type SourceKind = 'audio' | 'video' | 'image';

export interface SourceInput {
  hash: string;
  kind: SourceKind;
  path: string;
  originalName: string;
  bytes: number;
  durationS?: number | null;
  width?: number | null;
  height?: number | null;
}

export interface SourceRow extends SourceInput {
  id: number;
}

/** Inserts a source or returns the id of the one with the same hash. */
export function upsertSource(cat: Catalog, s: SourceInput): number {
  const found = cat.db.prepare('SELECT id FROM sources WHERE hash = ?').get(s.hash) as { id: number } | undefined;
  if (found) return found.id;
  const info = cat.db
    .prepare(
      `INSERT INTO sources (hash, kind, path, original_name, bytes, duration_s, width, height, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    )
    .run(s.hash, s.kind, s.path, s.originalName, s.bytes, s.durationS ?? null, s.width ?? null, s.height ?? null, nowIso());
  return Number(info.lastInsertRowid);
}

export function getSource(cat: Catalog, id: number): SourceRow | null {
  const r = cat.db.prepare('SELECT * FROM sources WHERE id = ?').get(id) as Record<string, unknown> | undefined;
  if (!r) return null;
  return {
    id: r.id as number,
    hash: r.hash as string,
    kind: r.kind as SourceKind,
    path: r.path as string,
    originalName: r.original_name as string,
    bytes: r.bytes as number,
    durationS: r.duration_s as number | null,
    width: r.width as number | null,
    height: r.height as number | null,
  };
}
