// How every importer writes to the catalog without ever leaving half a dataset behind, with memory
// bounded however large the import (80,805 pairs for the full Sub-URMP release, §4.1):
//   1. `beginImport` opens an import_reports row (status 'running', our pid);
//   2. sources and pairs are staged as lightweight rows (hashes, not ids) in import_staging_*,
//      STAGING_BATCH_ROWS per transaction, so at most one batch lives in memory;
//   3. `commit` merges the staged rows into sources/pairs in ONE transaction (INSERT … SELECT, no
//      rows through JS), creating the dataset if needed, and clears the staging rows;
//   4. `abort` (error or cancel) drops the staging rows and marks the report failed/cancelled.
// A crash between 1 and 3 leaves only staging rows under a 'running' report whose process is gone:
// the next import marks it 'interrupted' and deletes them. Pairs are keyed by (dataset, pair_key)
// and merged with ON CONFLICT … DO NOTHING, so re-running an import over the same files adds nothing twice.
// A failure while writing (a full disk, a read-only catalog) surfaces as its typed error; if even
// the abort cannot write (the disk is still full), the report is remembered and cleaned — marked
// failed, staging rows dropped — by the next cleanStaleImports (the next import, or the next start).
// An import that finds nothing at all (no pair, no skipped file) fails with empty_input instead of
// creating an empty dataset.
import { type Catalog, nowIso } from '../catalog/catalog';
import { findDataset } from '../catalog/datasetsRepo';
import type { PairState, Split } from '../catalog/pairsRepo';
import type { SourceInput } from '../catalog/sourcesRepo';
import { AvError } from '../errors';
import type { SkipEntry, SkipReport } from './skipReport';

/** Rows staged per transaction (bounded memory, few fsyncs). */
export const STAGING_BATCH_ROWS = 1_000;

export interface ImportTarget {
  name: string;
  kind: string;
  description?: string;
  config?: Record<string, unknown>;
}

/** A media file an import will register: the same fields as a catalog source. */
export type StagedSource = SourceInput;

export interface StagedPair {
  pairKey: string;
  instrument: string;
  split: Split;
  audioHash: string;
  imageHash?: string | null;
  videoHash?: string | null;
  groupKey?: string;
  startS: number;
  durS?: number;
  frameS?: number | null;
  crop?: { x: number; y: number; w: number; h: number } | null;
  state?: PairState;
}

export interface ImportResult {
  datasetId: number;
  datasetName: string;
  reportId: number;
  /** Pairs new to the dataset (0 when re-running over the same files). */
  added: number;
  /** Pairs the import produced (new or already there). */
  staged: number;
  skipped: SkipEntry[];
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Imports this process is writing right now (keyed by catalog file and report id). */
const activeReports = new Set<string>();
/** Imports of this process that failed and whose abort could not write (disk full): report id → error. */
const unabortedReports = new Map<string, string>();
const reportKey = (cat: Catalog, id: number) => `${cat.file}#${id}`;

/**
 * Marks imports whose process died as interrupted (and this process's imports whose abort could
 * not be written as failed) and drops their staging rows.
 */
export function cleanStaleImports(cat: Catalog): number {
  const running = cat.db.prepare("SELECT id, pid FROM import_reports WHERE status = 'running'").all() as Array<{ id: number; pid: number | null }>;
  let cleaned = 0;
  // staging rows of imports already closed (their abort could close the report but not delete them)
  const leftovers = cat.db
    .prepare("SELECT DISTINCT s.report_id AS id FROM import_staging_pairs s JOIN import_reports r ON r.id = s.report_id WHERE r.status != 'running' UNION SELECT DISTINCT s.report_id FROM import_staging_sources s JOIN import_reports r ON r.id = s.report_id WHERE r.status != 'running'")
    .all() as Array<{ id: number }>;
  for (const r of leftovers) {
    cat.tx(() => {
      cat.db.prepare('DELETE FROM import_staging_pairs WHERE report_id = ?').run(r.id);
      cat.db.prepare('DELETE FROM import_staging_sources WHERE report_id = ?').run(r.id);
    });
    cleaned++;
  }
  for (const r of running) {
    const key = reportKey(cat, r.id);
    if (r.pid !== null && r.pid !== process.pid && processAlive(r.pid)) continue;
    if (r.pid === process.pid && activeReports.has(key)) continue; // ours, still in progress
    const failure = unabortedReports.get(key);
    cat.tx(() => {
      cat.db.prepare('DELETE FROM import_staging_pairs WHERE report_id = ?').run(r.id);
      cat.db.prepare('DELETE FROM import_staging_sources WHERE report_id = ?').run(r.id);
      cat.db
        .prepare('UPDATE import_reports SET status = ?, finished_at = ?, error = ? WHERE id = ?')
        .run(failure ? 'failed' : 'interrupted', nowIso(), failure ?? 'the importing process ended before finishing', r.id);
    });
    unabortedReports.delete(key);
    cleaned++;
  }
  return cleaned;
}

export class ImportWriter {
  private sources: StagedSource[] = [];
  private pairs: StagedPair[] = [];
  private stagedPairs = 0;
  private finished = false;

  private constructor(
    readonly cat: Catalog,
    readonly target: ImportTarget,
    readonly reportId: number,
  ) {}

  /** Starts an import into `target.name` (created at commit if new; must be of the same kind if it exists). */
  static begin(cat: Catalog, target: ImportTarget): ImportWriter {
    if (!target.name.trim()) throw new AvError('bad_request', 'a dataset name is needed');
    const existing = findDataset(cat, target.name);
    if (existing && existing.kind !== target.kind) {
      throw new AvError('conflict', `dataset "${target.name}" exists and holds a ${existing.kind} import, not ${target.kind}`);
    }
    cleanStaleImports(cat);
    const info = cat.tx(() =>
      cat.db
        .prepare("INSERT INTO import_reports (dataset_id, kind, started_at, status, pid, dataset_name) VALUES (?, ?, ?, 'running', ?, ?)")
        .run(existing?.id ?? null, target.kind, nowIso(), process.pid, target.name),
    );
    const id = Number(info.lastInsertRowid);
    activeReports.add(reportKey(cat, id));
    return new ImportWriter(cat, target, id);
  }

  /** Stages a source (a hash staged twice is kept once, by the staging table's key: no per-import set in memory). */
  source(s: StagedSource): void {
    this.sources.push(s);
    if (this.sources.length + this.pairs.length >= STAGING_BATCH_ROWS) this.flush();
  }

  pair(p: StagedPair): void {
    this.pairs.push(p);
    if (this.sources.length + this.pairs.length >= STAGING_BATCH_ROWS) this.flush();
  }

  get pairCount(): number {
    return this.stagedPairs + this.pairs.length;
  }

  /** Writes the buffered rows to the staging tables in one transaction. */
  flush(): void {
    if (!this.sources.length && !this.pairs.length) return;
    const srcStmt = this.cat.db.prepare(
      `INSERT INTO import_staging_sources (report_id, hash, kind, path, original_name, bytes, duration_s, width, height)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (report_id, hash) DO NOTHING`,
    );
    const pairStmt = this.cat.db.prepare(
      `INSERT INTO import_staging_pairs (report_id, pair_key, instrument, split, audio_hash, image_hash, video_hash, group_key, start_s, dur_s, frame_s, crop, state)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (report_id, pair_key) DO NOTHING`,
    );
    const id = this.reportId;
    this.cat.tx(() => {
      for (const s of this.sources) srcStmt.run(id, s.hash, s.kind, s.path, s.originalName, s.bytes, s.durationS ?? null, s.width ?? null, s.height ?? null);
      for (const p of this.pairs) {
        this.stagedPairs += pairStmt.run(
          id, p.pairKey, p.instrument, p.split, p.audioHash, p.imageHash ?? null, p.videoHash ?? null, p.groupKey ?? '',
          p.startS, p.durS ?? 0.5, p.frameS ?? null, p.crop ? JSON.stringify(p.crop) : null, p.state ?? 'pending',
        ).changes;
      }
    });
    this.sources = [];
    this.pairs = [];
  }

  /** Merges everything staged into the dataset in one transaction and closes the report. */
  commit(skips: SkipReport): ImportResult {
    if (this.finished) throw new AvError('internal', 'import already finished');
    this.flush();
    const { cat, reportId, target } = this;
    const result = cat.tx(() => {
      let ds = findDataset(cat, target.name);
      if (ds && ds.kind !== target.kind) throw new AvError('conflict', `dataset "${target.name}" now holds a ${ds.kind} import`);
      let datasetId = ds?.id;
      if (datasetId === undefined) {
        const info = cat.db
          .prepare('INSERT INTO datasets (name, kind, description, created_at, config) VALUES (?, ?, ?, ?, ?)')
          .run(target.name, target.kind, target.description ?? '', nowIso(), JSON.stringify(target.config ?? {}));
        datasetId = Number(info.lastInsertRowid);
        ds = findDataset(cat, datasetId);
      }
      cat.db
        .prepare(
          `INSERT INTO sources (hash, kind, path, original_name, bytes, duration_s, width, height, created_at)
           SELECT hash, kind, path, original_name, bytes, duration_s, width, height, ? FROM import_staging_sources WHERE report_id = ?
           ON CONFLICT (hash) DO UPDATE SET path = excluded.path`,
        )
        .run(nowIso(), reportId);
      const added = cat.db
        .prepare(
          `INSERT INTO pairs (dataset_id, pair_key, instrument, split, audio_source_id, image_source_id, video_source_id,
                                        group_key, start_s, dur_s, frame_s, crop, state)
           SELECT ?, sp.pair_key, sp.instrument, sp.split, a.id, i.id, v.id, sp.group_key, sp.start_s, sp.dur_s, sp.frame_s, sp.crop, sp.state
             FROM import_staging_pairs sp
             JOIN sources a ON a.hash = sp.audio_hash
             LEFT JOIN sources i ON i.hash = sp.image_hash
             LEFT JOIN sources v ON v.hash = sp.video_hash
            WHERE sp.report_id = ?
            ORDER BY sp.rowid
           ON CONFLICT (dataset_id, pair_key) DO NOTHING`, // only a pair already there is skipped; bad rows throw
        )
        .run(datasetId, reportId).changes;
      cat.db.prepare('DELETE FROM import_staging_pairs WHERE report_id = ?').run(reportId);
      cat.db.prepare('DELETE FROM import_staging_sources WHERE report_id = ?').run(reportId);
      cat.db
        .prepare("UPDATE import_reports SET dataset_id = ?, status = 'done', finished_at = ?, added = ?, skipped = ? WHERE id = ?")
        .run(datasetId, nowIso(), added, JSON.stringify(skips.entries), reportId);
      return { datasetId, datasetName: ds?.name ?? target.name, reportId, added, staged: this.stagedPairs, skipped: skips.entries };
    });
    this.finished = true;
    activeReports.delete(reportKey(cat, reportId));
    return result;
  }

  /** Drops everything staged; the report keeps the reason and the skips seen so far. */
  abort(err: unknown, skips: SkipReport): void {
    if (this.finished) return;
    this.finished = true;
    const cancelled = err instanceof AvError && err.kind === 'cancelled';
    const { cat, reportId } = this;
    const key = reportKey(cat, reportId);
    activeReports.delete(key);
    const message = err instanceof Error ? err.message : String(err);
    this.sources = [];
    this.pairs = [];
    try {
      cat.tx(() => {
        cat.db.prepare('DELETE FROM import_staging_pairs WHERE report_id = ?').run(reportId);
        cat.db.prepare('DELETE FROM import_staging_sources WHERE report_id = ?').run(reportId);
        cat.db
          .prepare('UPDATE import_reports SET status = ?, finished_at = ?, error = ?, skipped = ? WHERE id = ?')
          .run(cancelled ? 'cancelled' : 'failed', nowIso(), message, JSON.stringify(skips.entries), reportId);
      });
    } catch {
      // the catalog cannot take the deletes now (the disk is still full): at least close the report
      // (one row, a page or two), and leave the staging rows to the next cleanStaleImports; the
      // caller reports the original error, not this one
      try {
        cat.tx(() =>
          cat.db
            .prepare('UPDATE import_reports SET status = ?, finished_at = ?, error = ? WHERE id = ?')
            .run(cancelled ? 'cancelled' : 'failed', nowIso(), message, reportId),
        );
      } catch {
        unabortedReports.set(key, message);
      }
    }
  }
}

export interface ImportProgress {
  done: number;
  total: number;
  message?: string;
}

export interface ImportRunOptions {
  onProgress?: (p: ImportProgress) => void;
  signal?: AbortSignal;
}

export function throwIfAborted(signal?: AbortSignal): void {
  if (signal?.aborted) throw new AvError('cancelled', 'the import was cancelled');
}

/** Runs `body` with a writer, committing on success and aborting on any error (incl. cancel). */
export async function runImport(
  cat: Catalog,
  target: ImportTarget,
  skips: SkipReport,
  body: (w: ImportWriter) => Promise<void>,
): Promise<ImportResult> {
  const w = ImportWriter.begin(cat, target);
  try {
    await body(w);
    if (w.pairCount === 0 && skips.entries.length === 0) {
      const source = Object.values(target.config ?? {}).find((v): v is string => typeof v === 'string');
      throw new AvError('empty_input', `nothing to import: no pair and no ${target.kind} file was found`, { file: source });
    }
    return w.commit(skips);
  } catch (err) {
    w.abort(err, skips);
    throw err;
  }
}
