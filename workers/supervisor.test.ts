// Real training in real worker processes (tiny preset, a small synthesised dataset): stop + resume
// continues from the checkpoint, and a worker killed with SIGKILL leaves an interrupted run that
// resumes. The workers are the same ones `avstudio train` starts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStudio, type StudioContext } from '../core/studio/context';
import { createDemoDataset } from '../core/datasets/demoDataset';
import { nodeWorkerLauncher } from './launch';
import { planRun } from '../core/runs/planRun';
import { getRun, lastCheckpoint, runMetrics } from '../core/runs/runsRepo';
import { RunSupervisor } from '../core/studio/supervisor';

let dir: string;
let ctx: StudioContext;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'avstudio-runs-'));
  ctx = openStudio(dir);
  await createDemoDataset(ctx.catalog, ctx.blobs, 'small', { trackSeconds: 1 });
});
afterAll(() => {
  ctx.close();
  rmSync(dir, { recursive: true, force: true });
});

const epochsOf = (runId: number, name: string) => runMetrics(ctx.catalog, runId, [name]).map((m) => m.epoch);

describe('run supervision', () => {
  it('stops after an epoch and resumes from its checkpoint, continuing the same schedule', async () => {
    const plan = planRun(ctx.catalog, { model: 'sound-clf', dataset: 'small', preset: 'tiny', epochs: 4, seed: 3 });
    const runId = plan.targetRunId;
    const supervisor = new RunSupervisor(ctx, nodeWorkerLauncher);
    const seen: string[] = [];
    supervisor.onMessage((m) => {
      seen.push(m.type);
      if (m.type === 'epoch' && m.epoch === 2) supervisor.stop(runId);
    });
    supervisor.pump();
    const stopped = await supervisor.waitFor(runId);
    expect(stopped.status).toBe('stopped');
    expect(stopped.epoch).toBe(2);
    expect(lastCheckpoint(ctx.catalog, runId)?.epoch).toBe(2);
    expect(epochsOf(runId, 'epoch/loss')).toEqual([1, 2]);
    expect(seen).toContain('started');
    // the worker materialised into the feature cache, keyed by content, only what a sound classifier
    // reads: the 48 windows' LMS, no pictures (issue 15: a sound classifier never waits for pictures)
    expect(ctx.catalog.db.prepare('SELECT rep, COUNT(*) AS n FROM feature_cache GROUP BY rep ORDER BY rep').all()).toEqual([{ rep: 'lms', n: 48 }]);
    const stepsBefore = runMetrics(ctx.catalog, runId, ['loss']).map((m) => m.step);

    supervisor.resume(runId);
    const done = await supervisor.waitFor(runId);
    expect(done.status).toBe('done');
    expect(done.epoch).toBe(4);
    expect(epochsOf(runId, 'epoch/loss')).toEqual([1, 2, 3, 4]);
    // the step counter continues where the checkpoint left it: no step number repeats or restarts
    const steps = runMetrics(ctx.catalog, runId, ['loss']).map((m) => m.step);
    expect(steps.length).toBe(new Set(steps).size);
    expect(Math.min(...steps.filter((s) => !stepsBefore.includes(s)))).toBe(Math.max(...stepsBefore) + 1);
    expect(getRun(ctx.catalog, runId).config.seed).toBe(3);
  });

  it('marks a run whose worker is killed as interrupted, and resumes it from the last good epoch', async () => {
    const plan = planRun(ctx.catalog, { model: 'sound-clf', dataset: 'small', preset: 'tiny', epochs: 3, seed: 5 });
    const runId = plan.targetRunId;
    const supervisor = new RunSupervisor(ctx, nodeWorkerLauncher);
    let killed = false;
    supervisor.onMessage((m) => {
      if (!killed && m.type === 'step' && m.epoch === 2) {
        killed = true;
        process.kill(getRun(ctx.catalog, runId).pid as number, 'SIGKILL');
      }
    });
    supervisor.pump();
    const interrupted = await supervisor.waitFor(runId);
    expect(killed).toBe(true);
    expect(interrupted.status).toBe('interrupted');
    expect(interrupted.epoch).toBe(1);
    expect(interrupted.error).toMatch(/killed \(SIGKILL\).*last good epoch: 1/);

    supervisor.resume(runId);
    const done = await supervisor.waitFor(runId);
    expect(done.status).toBe('done');
    expect(epochsOf(runId, 'epoch/loss')).toEqual([1, 2, 3]);
  });

  it('marks a run left running by a dead process as interrupted when the studio opens', () => {
    const plan = planRun(ctx.catalog, { model: 'image-clf', dataset: 'small', preset: 'tiny', epochs: 1 });
    ctx.catalog.db.prepare("UPDATE runs SET status = 'running', pid = 2147483600 WHERE id = ?").run(plan.targetRunId);
    new RunSupervisor(ctx, nodeWorkerLauncher);
    expect(getRun(ctx.catalog, plan.targetRunId).status).toBe('interrupted');
  });
});
