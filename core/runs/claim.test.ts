// The run queue on a real catalog: a queued run is claimed once however many real processes race
// for it; a claim waits for the runs it depends on and respects the concurrency limit; a run whose
// supervising process died is found and marked interrupted.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openStudio, type StudioContext } from '../studio/context';
import { createDemoDataset } from '../datasets/demoDataset';
import { setSetting, getSetting } from '../catalog/settingsRepo';
import { planRun } from './planRun';
import { claimNextRun, getRun, reconcileDeadRuns, setRunPid, setRunStatus } from './runsRepo';
import { pidIsAlive } from '../studio/supervisor';

const CHILD = fileURLToPath(new URL('./claimRaceChild.ts', import.meta.url));
let dir: string;
let ctx: StudioContext;
let datasetId: number;
const me = { pid: process.pid, host: hostname(), leaseMs: 60_000 };

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'avstudio-claim-'));
  ctx = openStudio(dir);
  datasetId = await createDemoDataset(ctx.catalog, ctx.blobs, 'small', { trackSeconds: 1 });
});
afterAll(() => {
  ctx.close();
  rmSync(dir, { recursive: true, force: true });
});

function child(at: number): Promise<{ pid: number; runId: number | null }> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, ['--import', 'tsx', CHILD, ctx.catalog.file, String(at)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (c) => (out += String(c)));
    p.stderr.on('data', (c) => (err += String(c)));
    p.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out) as { pid: number; runId: number | null }) : reject(new Error(`child exit ${code}: ${err}`))));
  });
}

const queue = (epochs = 1) => planRun(ctx.catalog, { model: 'sound-clf', dataset: datasetId, preset: 'tiny', epochs, seed: 1 }).targetRunId;

describe('one run queue', () => {
  it('starts a queued run once when four processes race to claim it', async () => {
    const runId = queue();
    const at = Date.now() + 2500; // after every child has loaded and opened the catalog
    const results = await Promise.all([0, 1, 2, 3].map(() => child(at)));
    const winners = results.filter((r) => r.runId !== null);
    expect(winners).toEqual([{ pid: expect.any(Number), runId }]);
    const row = ctx.catalog.db.prepare('SELECT status, supervisor_pid AS spid FROM runs WHERE id = ?').get(runId) as { status: string; spid: number };
    expect(row).toEqual({ status: 'running', spid: winners[0].pid });
    setRunStatus(ctx.catalog, runId, 'done');
  });

  it('claims the encoder before the run that needs it, and no more runs than runs.concurrency', () => {
    const s2i = planRun(ctx.catalog, { model: 's2i-c', dataset: datasetId, preset: 'tiny', epochs: 1, seed: 1 });
    expect(getSetting(ctx.catalog, 'runs.concurrency')).toBe(1);
    const first = claimNextRun(ctx.catalog, me, 1);
    expect(first?.id).toBe(Math.min(...s2i.created.map((c) => c.runId)));
    expect(claimNextRun(ctx.catalog, me, 1)).toBeNull(); // one trains already
    setSetting(ctx.catalog, 'runs.concurrency', 4);
    // the S2I run waits for its encoder (and evaluator) even with free slots
    const more: number[] = [];
    for (let r = claimNextRun(ctx.catalog, me, 4); r; r = claimNextRun(ctx.catalog, me, 4)) more.push(r.id);
    expect(more).not.toContain(s2i.targetRunId);
    for (const id of [first!.id, ...more]) setRunStatus(ctx.catalog, id, 'done');
    expect(claimNextRun(ctx.catalog, me, 4)?.id).toBe(s2i.targetRunId);
    setRunStatus(ctx.catalog, s2i.targetRunId, 'done');
    setSetting(ctx.catalog, 'runs.concurrency', 1);
    expect(() => setSetting(ctx.catalog, 'runs.concurrency', 0)).toThrow(/1–16/);
  });

  it('marks interrupted a run whose supervising process died, not one whose supervisor lives', async () => {
    const dead = queue();
    const alive = queue();
    // a real process that claimed `dead` and exited (its pid is gone)
    const gone = await child(Date.now());
    expect(gone.runId).toBe(dead);
    expect(pidIsAlive(gone.pid)).toBe(false);
    // this process claims `alive`; its worker pid not written yet (the moment between claim and fork)
    expect(claimNextRun(ctx.catalog, me, 4)?.id).toBe(alive);
    expect(reconcileDeadRuns(ctx.catalog, pidIsAlive)).toEqual([dead]);
    expect(getRun(ctx.catalog, dead)).toMatchObject({ status: 'interrupted', pid: null });
    expect(getRun(ctx.catalog, dead).error).toMatch(/supervising/);
    expect(getRun(ctx.catalog, alive).status).toBe('running');
    // a worker pid that is gone interrupts the run even while its supervisor lives
    setRunPid(ctx.catalog, alive, gone.pid);
    expect(reconcileDeadRuns(ctx.catalog, pidIsAlive)).toEqual([alive]);
    // another host's run: only an expired lease counts
    const remote = queue();
    claimNextRun(ctx.catalog, { pid: 1, host: 'elsewhere', leaseMs: 60_000 }, 4);
    expect(reconcileDeadRuns(ctx.catalog, pidIsAlive)).toEqual([]);
    ctx.catalog.db.prepare('UPDATE runs SET lease_until = ? WHERE id = ?').run(Date.now() - 1, remote);
    expect(reconcileDeadRuns(ctx.catalog, pidIsAlive)).toEqual([remote]);
  });
});
