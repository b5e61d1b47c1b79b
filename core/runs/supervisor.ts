// Runs training workers one after another (the queue), one process per run (tfjs's native add-on
// cannot share a process, DESIGN.md), relays their validated messages as studio events, and notices
// a worker that dies: its run is marked interrupted with its last good epoch and can be resumed.
import type { ChildProcess } from 'node:child_process';
import type { StudioContext } from '../api/context';
import { AvError } from '../errors';
import { getRun, lastCheckpoint, listRuns, reconcileDeadRuns, requestStop, setRunStatus, type RunRow } from './runsRepo';
import { WorkerMessageSchema, type WorkerMessage } from './workerMessages';

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

export class RunSupervisor {
  private active: { runId: number; child: ChildProcess; stderr: string } | null = null;
  private waiters = new Map<number, Array<(r: RunRow) => void>>();
  private listeners = new Set<(m: WorkerMessage) => void>();

  constructor(
    private readonly ctx: StudioContext,
    private readonly launch: WorkerLauncher,
  ) {
    for (const id of reconcileDeadRuns(ctx.catalog, pidIsAlive)) this.announce(id);
  }

  /** Listens to every validated worker message (the CLI prints them). */
  onMessage(listener: (m: WorkerMessage) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get activeRunId(): number | null {
    return this.active?.runId ?? null;
  }

  /** Starts the next queued run when no run is active. */
  pump(): void {
    if (this.active) return;
    const next = listRuns(this.ctx.catalog, { status: 'queued' })[0];
    if (next) this.start(next);
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

  /** Resolves when the run is no longer queued or running. */
  waitFor(runId: number): Promise<RunRow> {
    const run = getRun(this.ctx.catalog, runId);
    if (!['queued', 'running', 'stopping'].includes(run.status)) return Promise.resolve(run);
    return new Promise((resolve) => {
      const list = this.waiters.get(runId) ?? [];
      list.push(resolve);
      this.waiters.set(runId, list);
    });
  }

  /** Stops supervising; a running worker is asked to stop and given time to save. */
  async shutdown(): Promise<void> {
    const a = this.active;
    if (!a) return;
    try {
      requestStop(this.ctx.catalog, a.runId);
    } catch {
      // it finished meanwhile
    }
    await new Promise<void>((resolve) => {
      const t = setTimeout(() => {
        a.child.kill('SIGKILL');
        resolve();
      }, 30_000);
      a.child.once('exit', () => {
        clearTimeout(t);
        resolve();
      });
    });
  }

  private start(run: RunRow): void {
    const child = this.launch(run.id, this.ctx.home.root);
    const active = { runId: run.id, child, stderr: '' };
    this.active = active;
    setRunStatus(this.ctx.catalog, run.id, 'running', { pid: child.pid ?? null, error: null });
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
    this.active = null;
    this.settle(runId);
    this.pump();
  }

  private settle(runId: number): void {
    this.announce(runId);
    const run = getRun(this.ctx.catalog, runId);
    for (const w of this.waiters.get(runId) ?? []) w(run);
    this.waiters.delete(runId);
  }

  private announce(runId: number): void {
    const r = getRun(this.ctx.catalog, runId);
    this.ctx.events.emit({ type: 'run.updated', runId, status: r.status, epoch: r.epoch });
  }
}
