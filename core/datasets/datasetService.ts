// The dataset operations as the API and the CLI call them: ingest (with task.progress events),
// show (counts next to the paper's Table 2/3), export, snapshot. Thin glue over the importers.
import { randomUUID } from 'node:crypto';
import type { Catalog } from '../catalog/catalog';
import { datasetCounts, getDataset } from '../catalog/datasetsRepo';
import type { StudioEvent } from '../contract/api';
import { AvError } from '../errors';
import { importInis } from './inisImport';
import type { ImportProgress, ImportResult } from './importWriter';
import { referenceCounts, type ReferenceCount } from './instruments';
import { importManifest } from './manifestImport';
import type { SkipEntry } from './skipReport';
import { importSubUrmpRelease } from './subUrmpRelease';
import { importUrmp } from './urmpImport';

export type IngestRequest =
  | { kind: 'urmp'; path: string; name?: string; seed?: number; rmsThreshold?: number }
  | { kind: 'inis'; images: string; audio: string; name?: string; seed?: number; chunksPerRecording?: number; rmsThreshold?: number }
  | { kind: 'manifest'; path: string; name?: string }
  | { kind: 'sub-urmp'; path: string; name?: string };

export interface DatasetSummaryData {
  id: number;
  name: string;
  kind: string;
  description: string;
  createdAt: string;
  pairCount: number;
  counts: Array<{ instrument: string; train: number; test: number }>;
}

export interface ImportReportData {
  id: number;
  kind: string;
  status: string;
  startedAt: string;
  finishedAt: string | null;
  added: number;
  skipped: SkipEntry[];
  error: string | null;
}

export interface DatasetDetails extends DatasetSummaryData {
  /** The paper's counts for this kind of dataset (Table 2 / Table 3), or null. */
  reference: ReferenceCount[] | null;
  reports: ImportReportData[];
}

export function datasetSummary(cat: Catalog, ref: number | string): DatasetSummaryData {
  const d = getDataset(cat, ref);
  const counts = datasetCounts(cat, d.id);
  return { id: d.id, name: d.name, kind: d.kind, description: d.description, createdAt: d.createdAt, pairCount: counts.reduce((n, c) => n + c.train + c.test, 0), counts };
}

export function importReports(cat: Catalog, datasetId: number, limit = 20): ImportReportData[] {
  return (cat.db.prepare('SELECT * FROM import_reports WHERE dataset_id = ? ORDER BY id DESC LIMIT ?').all(datasetId, limit) as Array<Record<string, unknown>>).map((r) => ({
    id: r.id as number,
    kind: r.kind as string,
    status: r.status as string,
    startedAt: r.started_at as string,
    finishedAt: (r.finished_at as string | null) ?? null,
    added: r.added as number,
    skipped: JSON.parse(r.skipped as string) as SkipEntry[],
    error: (r.error as string | null) ?? null,
  }));
}

export function showDataset(cat: Catalog, ref: number | string): DatasetDetails {
  const s = datasetSummary(cat, ref);
  const reference = referenceCounts(s.kind);
  return { ...s, reference: reference ? reference.map((r) => ({ instrument: r.instrument, train: r.train, test: r.test })) : null, reports: importReports(cat, s.id) };
}

export interface IngestOutcome {
  dataset: DatasetSummaryData;
  reportId: number;
  added: number;
  staged: number;
  skipped: SkipEntry[];
}

/** Runs an import; progress goes to `events` as task.progress (when given) and to `onProgress`. */
export async function ingest(
  cat: Catalog,
  req: IngestRequest,
  opts: { events?: { emit(e: StudioEvent): void }; onProgress?: (p: ImportProgress) => void; signal?: AbortSignal; taskId?: string } = {},
): Promise<IngestOutcome> {
  const taskId = opts.taskId ?? `ingest-${randomUUID()}`;
  const label = `Importing ${req.kind} ${'path' in req ? req.path : req.images}`;
  let lastEmit = 0;
  const onProgress = (p: ImportProgress) => {
    opts.onProgress?.(p);
    const now = Date.now();
    if (opts.events && (now - lastEmit > 200 || p.done === p.total)) {
      lastEmit = now;
      opts.events.emit({ type: 'task.progress', taskId, label, done: p.done, total: p.total, message: p.message });
    }
  };
  const common = { onProgress, signal: opts.signal };
  let r: ImportResult;
  switch (req.kind) {
    case 'urmp':
      r = await importUrmp(cat, req.path, { ...common, name: req.name, seed: req.seed, rmsThreshold: req.rmsThreshold });
      break;
    case 'inis':
      r = await importInis(cat, req.images, req.audio, { ...common, name: req.name, seed: req.seed, chunksPerRecording: req.chunksPerRecording, rmsThreshold: req.rmsThreshold });
      break;
    case 'manifest':
      r = await importManifest(cat, req.path, { ...common, name: req.name });
      break;
    case 'sub-urmp':
      r = await importSubUrmpRelease(cat, req.path, { ...common, name: req.name });
      break;
    default:
      throw new AvError('bad_request', `unknown ingest kind ${JSON.stringify(req)}`);
  }
  opts.events?.emit({ type: 'datasets.changed', datasetId: r.datasetId });
  return { dataset: datasetSummary(cat, r.datasetId), reportId: r.reportId, added: r.added, staged: r.staged, skipped: r.skipped };
}
