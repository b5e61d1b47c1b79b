// Runs and what they produce (metrics, checkpoints, sample grids, evaluations) in the catalog.
import { hostname } from 'node:os';
import { RUN_STATUS_VALUES } from '../contract/runsContract';
import { AvError } from '../errors';
import { type Catalog, nowIso } from '../catalog/catalog';
import { RunConfigSchema, type RunConfig } from './runConfig';

export const RUN_STATUSES = RUN_STATUS_VALUES;
export type RunStatus = (typeof RUN_STATUSES)[number];

export interface RunRow {
  id: number;
  model: string;
  preset: string;
  datasetId: number | null;
  snapshotId: number | null;
  encoderRunId: number | null;
  config: RunConfig;
  seed: number;
  status: RunStatus;
  backend: string | null;
  epoch: number;
  epochs: number;
  error: string | null;
  pid: number | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  tags: string[];
  notes: string;
}

function fromRaw(r: Record<string, unknown>): RunRow {
  return {
    id: r.id as number,
    model: r.model as string,
    preset: r.preset as string,
    datasetId: r.dataset_id as number | null,
    snapshotId: r.snapshot_id as number | null,
    encoderRunId: r.encoder_run_id as number | null,
    config: RunConfigSchema.parse(JSON.parse(r.config as string)),
    seed: r.seed as number,
    status: r.status as RunStatus,
    backend: r.backend as string | null,
    epoch: r.epoch as number,
    epochs: r.epochs as number,
    error: r.error as string | null,
    pid: r.pid as number | null,
    createdAt: r.created_at as string,
    startedAt: r.started_at as string | null,
    finishedAt: r.finished_at as string | null,
    tags: JSON.parse(r.tags as string) as string[],
    notes: r.notes as string,
  };
}

export function createRun(cat: Catalog, config: RunConfig): number {
  const info = cat.db
    .prepare(
      `INSERT INTO runs (model, preset, dataset_id, snapshot_id, encoder_run_id, config, seed, status, epochs, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, 'queued', ?, ?)`,
    )
    .run(config.model, config.preset, config.datasetId, config.snapshotId, config.encoderRunId, JSON.stringify(config), config.seed, config.epochs, nowIso());
  return Number(info.lastInsertRowid);
}

export function findRun(cat: Catalog, id: number): RunRow | null {
  const r = cat.db.prepare('SELECT * FROM runs WHERE id = ?').get(id) as Record<string, unknown> | undefined;
  return r ? fromRaw(r) : null;
}

export function getRun(cat: Catalog, id: number): RunRow {
  const r = findRun(cat, id);
  if (!r) throw new AvError('not_found', `no run ${id}`);
  return r;
}

export function listRuns(cat: Catalog, filter: { status?: RunStatus; model?: string; datasetId?: number } = {}): RunRow[] {
  const parts: string[] = [];
  const args: unknown[] = [];
  if (filter.status) { parts.push('status = ?'); args.push(filter.status); }
  if (filter.model) { parts.push('model = ?'); args.push(filter.model); }
  if (filter.datasetId) { parts.push('dataset_id = ?'); args.push(filter.datasetId); }
  const where = parts.length ? ` WHERE ${parts.join(' AND ')}` : '';
  return (cat.db.prepare(`SELECT * FROM runs${where} ORDER BY id`).all(...args) as Record<string, unknown>[]).map(fromRaw);
}

export function setRunStatus(cat: Catalog, id: number, status: RunStatus, fields: { error?: string | null; pid?: number | null; backend?: string } = {}): void {
  const now = nowIso();
  cat.db
    .prepare(
      `UPDATE runs SET status = ?,
         error = CASE WHEN ? THEN ? ELSE error END,
         pid = CASE WHEN ? THEN ? ELSE pid END,
         backend = COALESCE(?, backend),
         started_at = CASE WHEN ? = 'running' AND started_at IS NULL THEN ? ELSE started_at END,
         finished_at = CASE WHEN ? IN ('done', 'failed', 'stopped', 'interrupted') THEN ? ELSE NULL END
       WHERE id = ?`,
    )
    .run(status, 'error' in fields ? 1 : 0, fields.error ?? null, 'pid' in fields ? 1 : 0, fields.pid ?? null, fields.backend ?? null, status, now, status, now, id);
}

/** Sets a run's tags and/or notes (the researcher's own labels; nothing else of the run changes). */
export function annotateRun(cat: Catalog, id: number, a: { tags?: string[]; notes?: string }): RunRow {
  getRun(cat, id);
  if (a.tags) cat.db.prepare('UPDATE runs SET tags = ? WHERE id = ?').run(JSON.stringify([...new Set(a.tags.map((t) => t.trim()).filter(Boolean))]), id);
  if (a.notes !== undefined) cat.db.prepare('UPDATE runs SET notes = ? WHERE id = ?').run(a.notes, id);
  return getRun(cat, id);
}

/** Asks a running run to stop after its current step (the worker polls this). */
export function requestStop(cat: Catalog, id: number): RunRow {
  const run = getRun(cat, id);
  if (run.status === 'queued') setRunStatus(cat, id, 'stopped');
  else if (run.status === 'running') setRunStatus(cat, id, 'stopping');
  else throw new AvError('conflict', `run ${id} is ${run.status}: only a queued or running run can be stopped`);
  return getRun(cat, id);
}

export interface MetricPoint {
  name: string;
  step: number;
  epoch: number;
  value: number;
}

export function appendMetrics(cat: Catalog, runId: number, points: MetricPoint[]): void {
  const stmt = cat.db.prepare('INSERT OR REPLACE INTO metrics (run_id, name, step, epoch, value, at) VALUES (?, ?, ?, ?, ?, ?)');
  const at = nowIso();
  cat.tx(() => {
    for (const p of points) if (Number.isFinite(p.value)) stmt.run(runId, p.name, p.step, p.epoch, p.value, at);
  });
}

export function runMetrics(cat: Catalog, runId: number, names?: string[]): MetricPoint[] {
  const rows = cat.db.prepare('SELECT name, step, epoch, value FROM metrics WHERE run_id = ? ORDER BY name, step').all(runId) as MetricPoint[];
  return names ? rows.filter((r) => names.includes(r.name)) : rows;
}

export interface CheckpointRow {
  epoch: number;
  step: number;
  path: string;
  createdAt: string;
}

/** Records a finished epoch: its checkpoint and the run's epoch counter, in one transaction. */
export function recordEpoch(cat: Catalog, runId: number, epoch: number, step: number, checkpointPath: string): void {
  cat.tx(() => {
    cat.db
      .prepare('INSERT OR REPLACE INTO checkpoints (run_id, epoch, step, path, created_at) VALUES (?, ?, ?, ?, ?)')
      .run(runId, epoch, step, checkpointPath, nowIso());
    cat.db.prepare('UPDATE runs SET epoch = ? WHERE id = ?').run(epoch, runId);
  });
}

export function lastCheckpoint(cat: Catalog, runId: number): CheckpointRow | null {
  const r = cat.db.prepare('SELECT epoch, step, path, created_at FROM checkpoints WHERE run_id = ? ORDER BY epoch DESC LIMIT 1').get(runId) as
    | { epoch: number; step: number; path: string; created_at: string }
    | undefined;
  return r ? { epoch: r.epoch, step: r.step, path: r.path, createdAt: r.created_at } : null;
}

export function addSample(cat: Catalog, runId: number, epoch: number, blobHash: string, meta: Record<string, unknown>): void {
  cat.db.prepare('INSERT OR REPLACE INTO samples (run_id, epoch, blob_hash, meta) VALUES (?, ?, ?, ?)').run(runId, epoch, blobHash, JSON.stringify(meta));
}

export function runSamples(cat: Catalog, runId: number): Array<{ epoch: number; hash: string; meta: Record<string, unknown> }> {
  return (cat.db.prepare('SELECT epoch, blob_hash, meta FROM samples WHERE run_id = ? ORDER BY epoch').all(runId) as Array<{ epoch: number; blob_hash: string; meta: string }>).map(
    (r) => ({ epoch: r.epoch, hash: r.blob_hash, meta: JSON.parse(r.meta) as Record<string, unknown> }),
  );
}

export interface EvaluationPoint {
  epoch: number;
  kind: string;
  split: string;
  instrument: string;
  value: number;
  n: number;
  evaluatorRunId: number | null;
}

export function addEvaluations(cat: Catalog, runId: number, points: EvaluationPoint[]): void {
  const stmt = cat.db.prepare(
    'INSERT OR REPLACE INTO evaluations (run_id, epoch, kind, split, instrument, value, n, evaluator_run_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
  );
  const at = nowIso();
  cat.tx(() => {
    for (const p of points) stmt.run(runId, p.epoch, p.kind, p.split, p.instrument, p.value, p.n, p.evaluatorRunId, at);
  });
}

export function runEvaluations(cat: Catalog, runId: number): EvaluationPoint[] {
  return (cat.db
    .prepare('SELECT epoch, kind, split, instrument, value, n, evaluator_run_id FROM evaluations WHERE run_id = ? ORDER BY epoch, kind, split, instrument')
    .all(runId) as Array<Record<string, unknown>>).map((r) => ({
    epoch: r.epoch as number,
    kind: r.kind as string,
    split: r.split as string,
    instrument: r.instrument as string,
    value: r.value as number,
    n: r.n as number,
    evaluatorRunId: r.evaluator_run_id as number | null,
  }));
}

/** Who supervises a claimed run: its process id, host, and until when (ms since the epoch) the lease holds. */
export interface Supervision {
  pid: number;
  host: string;
  leaseMs: number;
}

/**
 * Claims the oldest queued run whose encoder/evaluator runs are not still queued or training, in one
 * statement: it becomes running under this supervisor, unless `limit` runs already train (in every
 * process). Two processes racing get different runs or none: SQLite runs one writer at a time and
 * the statement re-checks `status = 'queued'` on the row it changes. `onlyIds` limits the claim to
 * those runs (a foreground `avstudio train` works only the runs it queued).
 */
export function claimNextRun(cat: Catalog, sup: Supervision, limit: number, onlyIds?: readonly number[]): RunRow | null {
  const now = Date.now();
  const row = cat.tx(() =>
    cat.db
      .prepare(
        `UPDATE runs SET status = 'running', pid = NULL, error = NULL, finished_at = NULL,
           started_at = COALESCE(started_at, @iso),
           supervisor_pid = @pid, supervisor_host = @host, lease_until = @lease
         WHERE id = (
             SELECT q.id FROM runs q
              WHERE q.status = 'queued' AND (@only IS NULL OR q.id IN (SELECT value FROM json_each(@only)))
                AND NOT EXISTS (
                  SELECT 1 FROM runs d
                   WHERE d.id IN (q.encoder_run_id, json_extract(q.config, '$.evaluatorRunId'))
                     AND d.status IN ('queued', 'running', 'stopping'))
              ORDER BY q.id LIMIT 1)
           AND status = 'queued'
           AND (SELECT COUNT(*) FROM runs WHERE status IN ('running', 'stopping')) < @limit
         RETURNING *`,
      )
      .get({ iso: new Date(now).toISOString(), pid: sup.pid, host: sup.host, lease: now + sup.leaseMs, only: onlyIds ? JSON.stringify(onlyIds) : null, limit }),
  ) as Record<string, unknown> | undefined;
  return row ? fromRaw(row) : null;
}

/** Cheap read before a claim: is any run waiting? */
export function hasQueuedRun(cat: Catalog): boolean {
  return (cat.db.prepare("SELECT EXISTS (SELECT 1 FROM runs WHERE status = 'queued') AS q").get() as { q: number }).q === 1;
}

export function setRunPid(cat: Catalog, id: number, pid: number | null): void {
  cat.tx(() => cat.db.prepare('UPDATE runs SET pid = ? WHERE id = ?').run(pid, id));
}

/** Extends the lease of the runs this process supervises. */
export function renewLeases(cat: Catalog, ids: number[], sup: Supervision): void {
  if (!ids.length) return;
  const stmt = cat.db.prepare("UPDATE runs SET lease_until = ? WHERE id = ? AND supervisor_pid = ? AND supervisor_host = ? AND status IN ('running', 'stopping')");
  const until = Date.now() + sup.leaseMs;
  cat.tx(() => {
    for (const id of ids) stmt.run(until, id, sup.pid, sup.host);
  });
}

/**
 * Runs marked running/stopping that nobody supervises any more: on this host, the worker or the
 * supervising process is gone (pid checks); elsewhere, the supervisor's lease ran out. A run
 * claimed a moment ago whose worker pid is not written yet is alive while its supervisor is.
 * `except` are the runs this process supervises itself.
 */
export function orphanedRuns(cat: Catalog, isAlive: (pid: number) => boolean, host: string, except: ReadonlySet<number> = new Set()): RunRow[] {
  const now = Date.now();
  const rows = cat.db
    .prepare("SELECT id, pid, supervisor_pid AS spid, supervisor_host AS shost, lease_until AS lease FROM runs WHERE status IN ('running', 'stopping')")
    .all() as Array<{ id: number; pid: number | null; spid: number | null; shost: string | null; lease: number | null }>;
  const dead = rows.filter((r) => {
    if (except.has(r.id)) return false;
    if (r.spid === null) return !r.pid || !isAlive(r.pid); // claimed before migration 5: the worker pid only
    if (r.shost !== host) return r.lease !== null && r.lease < now;
    if (!isAlive(r.spid)) return true;
    return r.pid !== null && !isAlive(r.pid);
  });
  return dead.map((r) => getRun(cat, r.id));
}

/** A run marked running/stopping whose worker or supervising process is gone was interrupted (crash, kill -9). */
export function reconcileDeadRuns(cat: Catalog, isAlive: (pid: number) => boolean, host = hostname(), except: ReadonlySet<number> = new Set()): number[] {
  const stale = orphanedRuns(cat, isAlive, host, except);
  for (const r of stale) {
    const last = lastCheckpoint(cat, r.id);
    cat.tx(() => {
      // re-checked under the write lock: another process may have settled it meanwhile
      const now = cat.db.prepare('SELECT status FROM runs WHERE id = ?').get(r.id) as { status: string };
      if (now.status !== 'running' && now.status !== 'stopping') return;
      setRunStatus(cat, r.id, 'interrupted', {
        error: `the worker process or the studio process supervising it ended without finishing the run; last good epoch: ${last?.epoch ?? 'none'}`,
        pid: null,
      });
    });
  }
  return stale.map((r) => r.id);
}
