// Works the catalog's one run queue, one worker process per run (tfjs's native add-on cannot share a
// process, docs in README "How the processes share the catalog"), relays the workers' validated
// messages as studio events, and notices a worker that dies: its run is marked interrupted with its
// last good epoch and can be resumed.
//
// Every studio process that trains (serve, Electron main, a foreground `avstudio train`) has one
// supervisor, all on the same queue: a queued run is claimed in one UPDATE … RETURNING
// (claimNextRun), so no run starts twice, and at most the `runs.concurrency` setting's number of
// runs train at once across processes. The supervisor follows the change feed and pumps whenever
// another process committed (a run queued by `avstudio train --detach` starts within a poll tick),
// renews a lease on the runs it supervises, and marks interrupted the runs whose supervising process
// died (pid on this host, lease elsewhere).
import type { ChildProcess } from 'node:child_process';
import { hostname } from 'node:os';
import type { Catalog } from '../catalog/catalog';
import { getSetting } from '../catalog/settingsRepo';
import type { StudioEvent } from '../contract/api';
import type { ChangeFeed } from './changeFeed';
import type { EventBus, EventOrigin } from './events';
import { AvError } from '../errors';
import {
  claimNextRun, getRun, hasQueuedRun, lastCheckpoint, reconcileDeadRuns, renewLeases, requestStop, setRunPid, setRunStatus,
  type RunRow, type Supervision,
} from '../runs/runsRepo';
import { WorkerMessageSchema, type WorkerMessage } from '../contract/workerMessages';

/** Starts the worker process for a run; it must have an IPC channel (fork). */
export type WorkerLauncher = (runId: number, home: string) => ChildProcess;

export function pidIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

const STDERR_TAIL = 4000;
/** How long a supervisor's claim on a run holds without renewal (what another host waits for). */
export const LEASE_MS = 60_000;
/** How often the lease is renewed and orphaned runs are looked for. */
export const HOUSEKEEPING_MS = 5_000;
const SETTLED = new Set(['done', 'failed', 'stopped', 'interrupted']);

interface Active {
  runId: number;
  child: ChildProcess;
  stderr: string;
}

export interface SupervisorOptions {
  /** false: only work the queue when asked (pump/resume), do not follow other processes' changes */
  follow?: boolean;
  /** claim only these runs (a foreground `avstudio train`/`resume`: the runs it queued); default every queued run */
  only?: readonly number[];
}

/** What a supervisor uses of its studio process (a StudioContext has all of it; the context holds the supervisor). */
export interface SupervisedStudio {
  home: { root: string };
  catalog: Catalog;
  events: EventBus;
  changes: ChangeFeed;
}

export class RunSupervisor {
  private active = new Map<number, Active>();
  private waiters = new Map<number, Array<(r: RunRow) => void>>();
  private listeners = new Set<(m: WorkerMessage) => void>();
  private readonly sup: Supervision = { pid: process.pid, host: hostname(), leaseMs: LEASE_MS };
  private readonly offEvents: () => void;
  private readonly offChanges: () => void;
  private housekeeping: NodeJS.Timeout | null = null;
  private keepAlive: NodeJS.Timeout | null = null;
  private closed = false;
  private readonly only: readonly number[] | undefined;

  constructor(
    private readonly ctx: SupervisedStudio,
    private readonly launch: WorkerLauncher,
    opts: SupervisorOptions = {},
  ) {
    this.only = opts.only;
    this.reconcile();
    this.offEvents = ctx.events.on((e, from) => this.heard(e, from));
    this.offChanges = ctx.changes.onChange(() => this.pump());
    if (opts.follow !== false) {
      ctx.changes.follow();
      this.housekeeping = setInterval(() => this.tick(), HOUSEKEEPING_MS);
      this.housekeeping.unref();
    }
  }

  /** Listens to every validated worker message (the CLI prints them); runs trained by another process arrive as their epoch/log events. */
  onMessage(listener: (m: WorkerMessage) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** A run this process trains (the first, when several do). */
  get activeRunId(): number | null {
    return this.active.keys().next().value ?? null;
  }

  get activeRunIds(): number[] {
    return [...this.active.keys()];
  }

  /** Starts queued runs while fewer than the `runs.concurrency` setting train (in every process). */
  pump(): void {
    if (this.closed || !this.ctx.catalog.db.open) return;
    try {
      if (!hasQueuedRun(this.ctx.catalog)) return;
      const limit = getSetting(this.ctx.catalog, 'runs.concurrency');
      for (;;) {
        const run = claimNextRun(this.ctx.catalog, this.sup, limit, this.only);
        if (!run) break;
        this.start(run);
      }
    } catch {
      // the catalog is busy or closing: the next change or tick pumps again
    }
  }

  stop(runId: number): RunRow {
    const run = requestStop(this.ctx.catalog, runId);
    this.announce(runId);
    if (run.status === 'stopped') this.settle(runId);
    return run;
  }

  resume(runId: number): RunRow {
    const run = getRun(this.ctx.catalog, runId);
    if (!['stopped', 'interrupted', 'failed'].includes(run.status)) {
      throw new AvError('conflict', `run ${runId} is ${run.status}: only a stopped, interrupted or failed run can be resumed`);
    }
    if (run.epoch >= run.epochs) throw new AvError('conflict', `run ${runId} already finished all ${run.epochs} epochs`);
    setRunStatus(this.ctx.catalog, runId, 'queued', { error: null });
    this.announce(runId);
    this.pump();
    return getRun(this.ctx.catalog, runId);
  }

  /** Resolves when the run is no longer queued or running, whichever process trains it. */
  waitFor(runId: number): Promise<RunRow> {
    const run = getRun(this.ctx.catalog, runId);
    if (!['queued', 'running', 'stopping'].includes(run.status)) return Promise.resolve(run);
    // another process may train it: hold this one open (the feed's timer does not) until it settles
    this.keepAlive ??= setInterval(() => undefined, 1 << 30);
    return new Promise((resolve) => {
      const list = this.waiters.get(runId) ?? [];
      list.push(resolve);
      this.waiters.set(runId, list);
    });
  }

  /** Stops supervising; running workers are asked to stop and given time to save. */
  async shutdown(): Promise<void> {
    this.closed = true;
    this.offEvents();
    this.offChanges();
    if (this.housekeeping) clearInterval(this.housekeeping);
    this.housekeeping = null;
    await Promise.all(
      [...this.active.values()].map(
        (a) =>
          new Promise<void>((resolve) => {
            try {
              requestStop(this.ctx.catalog, a.runId);
            } catch {
              // it finished meanwhile
            }
            const t = setTimeout(() => {
              a.child.kill('SIGKILL');
              resolve();
            }, 30_000);
            a.child.once('exit', () => {
              clearTimeout(t);
              resolve();
            });
          }),
      ),
    );
    this.releaseKeepAlive();
  }

  private tick(): void {
    if (this.closed || !this.ctx.catalog.db.open) return;
    try {
      renewLeases(this.ctx.catalog, [...this.active.keys()], this.sup);
      this.reconcile();
      // a waited-for run settled by a process whose event this one missed (e.g. `avstudio runs` reconciling)
      for (const id of [...this.waiters.keys()]) if (SETTLED.has(getRun(this.ctx.catalog, id).status)) this.settle(id, false);
    } catch {
      // busy: next tick
    }
    this.pump();
  }

  /** Marks interrupted the runs whose worker or supervising process died (not this process's own). */
  private reconcile(): void {
    for (const id of reconcileDeadRuns(this.ctx.catalog, pidIsAlive, this.sup.host, new Set(this.active.keys()))) this.settle(id);
  }

  /** Events from this process and (through the feed) the others: settles waiters, shows other processes' runs to listeners. */
  private heard(e: StudioEvent, from: EventOrigin): void {
    if (from !== 'remote' || !('runId' in e) || this.active.has(e.runId)) return;
    if (e.type === 'run.updated') {
      if (this.waiters.has(e.runId) && SETTLED.has(e.status)) this.settle(e.runId, false);
      if (e.status === 'queued') this.pump();
    } else if (e.type === 'run.epoch' || e.type === 'run.log') {
      const m: WorkerMessage = e.type === 'run.epoch' ? { ...e, type: 'epoch' } : { ...e, type: 'log' };
      for (const l of this.listeners) l(m);
    }
  }

  private start(run: RunRow): void {
    let child: ChildProcess;
    try {
      child = this.launch(run.id, this.ctx.home.root);
    } catch (err) {
      setRunStatus(this.ctx.catalog, run.id, 'failed', { error: `the worker could not start: ${(err as Error).message}`, pid: null });
      this.settle(run.id);
      return;
    }
    const active: Active = { runId: run.id, child, stderr: '' };
    this.active.set(run.id, active);
    setRunPid(this.ctx.catalog, run.id, child.pid ?? null);
    this.announce(run.id);
    child.stderr?.on('data', (c: Buffer) => {
      active.stderr = (active.stderr + String(c)).slice(-STDERR_TAIL);
    });
    child.on('message', (raw: unknown) => {
      const parsed = WorkerMessageSchema.safeParse(raw);
      if (!parsed.success || parsed.data.runId !== run.id) {
        setRunStatus(this.ctx.catalog, run.id, 'failed', { error: `the worker sent an invalid message: ${parsed.success ? 'wrong run id' : parsed.error.message}` });
        child.kill('SIGKILL');
        return;
      }
      this.relay(parsed.data);
    });
    child.on('error', (err) => {
      setRunStatus(this.ctx.catalog, run.id, 'failed', { error: `the worker could not start: ${err.message}`, pid: null });
    });
    child.on('exit', (code, signal) => this.exited(run.id, code, signal, active.stderr));
  }

  private relay(m: WorkerMessage): void {
    for (const l of this.listeners) l(m);
    const ev = this.ctx.events;
    switch (m.type) {
      case 'step':
        ev.emit({ type: 'run.step', runId: m.runId, epoch: m.epoch, step: m.step, metrics: m.metrics });
        break;
      case 'epoch':
        ev.emit({ type: 'run.epoch', runId: m.runId, epoch: m.epoch, seconds: m.seconds, itemsPerSecond: m.itemsPerSecond, metrics: m.metrics, sampleHash: m.sampleHash });
        break;
      case 'log':
        ev.emit({ type: 'run.log', runId: m.runId, level: m.level, message: m.message });
        break;
      case 'progress':
        ev.emit({ type: 'task.progress', taskId: `run-${m.runId}`, label: m.stage, done: m.done, total: m.total });
        break;
      default:
        this.announce(m.runId);
    }
  }

  private exited(runId: number, code: number | null, signal: NodeJS.Signals | null, stderr: string): void {
    if (this.ctx.catalog.db.open) {
      const run = getRun(this.ctx.catalog, runId);
      if (['running', 'stopping', 'queued'].includes(run.status)) {
        const last = lastCheckpoint(this.ctx.catalog, runId);
        const how = signal ? `was killed (${signal})` : `exited with code ${code}`;
        const detail = stderr.trim() ? `; its last output: ${stderr.trim().split('\n').slice(-3).join(' | ')}` : '';
        setRunStatus(this.ctx.catalog, runId, 'interrupted', {
          pid: null,
          error: `the worker ${how} during epoch ${(last?.epoch ?? 0) + 1}; last good epoch: ${last?.epoch ?? 'none'}${detail}`,
        });
      }
    }
    this.active.delete(runId);
    if (!this.ctx.catalog.db.open) return;
    this.settle(runId);
    this.pump();
  }

  private settle(runId: number, announce = true): void {
    if (announce) this.announce(runId);
    const list = this.waiters.get(runId);
    if (list) {
      const run = getRun(this.ctx.catalog, runId);
      this.waiters.delete(runId);
      for (const w of list) w(run);
    }
    if (!this.waiters.size) this.releaseKeepAlive();
  }

  private releaseKeepAlive(): void {
    if (this.keepAlive) clearInterval(this.keepAlive);
    this.keepAlive = null;
  }

  private announce(runId: number): void {
    const r = getRun(this.ctx.catalog, runId);
    this.ctx.events.emit({ type: 'run.updated', runId, status: r.status, epoch: r.epoch });
  }
}

/** Tells every process about runs just queued (they appear in every open Runs screen; a serving studio may pick them up). */
export function announceRuns(ctx: Pick<SupervisedStudio, 'catalog' | 'events'>, runIds: number[]): void {
  for (const id of runIds) {
    const r = getRun(ctx.catalog, id);
    ctx.events.emit({ type: 'run.updated', runId: id, status: r.status, epoch: r.epoch });
  }
}
