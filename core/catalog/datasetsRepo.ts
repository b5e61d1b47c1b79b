// Datasets in the catalog, with their per-instrument train/test counts (Table 2 / Table 3 layout).
import { AvError } from '../errors';
import { type Catalog, nowIso } from './catalog';

export interface DatasetRow {
  id: number;
  name: string;
  kind: string;
  description: string;
  createdAt: string;
  config: Record<string, unknown>;
}

export interface CategoryCount {
  instrument: string;
  train: number;
  test: number;
}

interface RawDataset {
  id: number;
  name: string;
  kind: string;
  description: string;
  created_at: string;
  config: string;
}

function fromRaw(r: RawDataset): DatasetRow {
  return { id: r.id, name: r.name, kind: r.kind, description: r.description, createdAt: r.created_at, config: JSON.parse(r.config) };
}

export function createDataset(cat: Catalog, d: { name: string; kind: string; description?: string; config?: Record<string, unknown> }): number {
  const exists = cat.db.prepare('SELECT id FROM datasets WHERE name = ?').get(d.name);
  if (exists) throw new AvError('conflict', `a dataset named "${d.name}" already exists`);
  const info = cat.db
    .prepare('INSERT INTO datasets (name, kind, description, created_at, config) VALUES (?, ?, ?, ?, ?)')
    .run(d.name, d.kind, d.description ?? '', nowIso(), JSON.stringify(d.config ?? {}));
  return Number(info.lastInsertRowid);
}

export function listDatasets(cat: Catalog): DatasetRow[] {
  return (cat.db.prepare('SELECT * FROM datasets ORDER BY id').all() as RawDataset[]).map(fromRaw);
}

export function findDataset(cat: Catalog, ref: number | string): DatasetRow | null {
  const row = (typeof ref === 'number' || /^\d+$/.test(ref)
    ? cat.db.prepare('SELECT * FROM datasets WHERE id = ? OR name = ?').get(Number(ref), String(ref))
    : cat.db.prepare('SELECT * FROM datasets WHERE name = ?').get(ref)) as RawDataset | undefined;
  return row ? fromRaw(row) : null;
}

export function getDataset(cat: Catalog, ref: number | string): DatasetRow {
  const d = findDataset(cat, ref);
  if (!d) throw new AvError('not_found', `no dataset "${ref}"`);
  return d;
}

/** Per-instrument counts of pairs that are not rejected, split by train/test. */
export function datasetCounts(cat: Catalog, datasetId: number): CategoryCount[] {
  return cat.db
    .prepare(
      `SELECT instrument,
              SUM(CASE WHEN split = 'train' THEN 1 ELSE 0 END) AS train,
              SUM(CASE WHEN split = 'test' THEN 1 ELSE 0 END) AS test
         FROM pairs WHERE dataset_id = ? AND state != 'rejected'
        GROUP BY instrument ORDER BY instrument`,
    )
    .all(datasetId) as CategoryCount[];
}
