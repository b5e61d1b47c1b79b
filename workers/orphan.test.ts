// A training worker whose supervising process dies (kill -9 of a foreground `avstudio train`) marks
// its run interrupted and ends; any studio process can then resume it from its last good epoch.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openStudio, type StudioContext } from '../core/studio/context';
import { createDemoDataset } from '../core/datasets/demoDataset';
import { getRun, lastCheckpoint } from '../core/runs/runsRepo';
import { pidIsAlive, RunSupervisor } from '../core/studio/supervisor';
import { nodeWorkerLauncher } from './launch';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
let dir: string;
let ctx: StudioContext;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'avstudio-orphan-'));
  ctx = openStudio(dir);
  await createDemoDataset(ctx.catalog, ctx.blobs, 'small', { trackSeconds: 1 });
});
afterAll(() => {
  ctx.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('a worker whose supervisor died', () => {
  it('marks its run interrupted and ends; the run resumes from its last good epoch', async () => {
    const cli = spawn(process.execPath, [join(ROOT, 'bin/avstudio.mjs'), 'train', '--model', 'sound-clf', '--dataset', 'small', '--preset', 'tiny', '--epochs', '40', '--json', '--home', dir], {
      cwd: ROOT,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let err = '';
    cli.stderr.on('data', (c) => (err += String(c)));
    // wait for the worker to finish an epoch (checkpoint written), then kill the supervising CLI
    await expect.poll(() => ctx.catalog.db.prepare("SELECT id, epoch, pid FROM runs WHERE status = 'running'").get() as { id: number; epoch: number; pid: number } | undefined, { timeout: 60_000, interval: 100 })
      .toMatchObject({ epoch: expect.any(Number) });
    await expect.poll(() => (ctx.catalog.db.prepare("SELECT epoch FROM runs WHERE status = 'running'").get() as { epoch: number } | undefined)?.epoch ?? 0, { timeout: 60_000, interval: 100 })
      .toBeGreaterThanOrEqual(1);
    const { id: runId, pid: workerPid } = ctx.catalog.db.prepare("SELECT id, pid FROM runs WHERE status = 'running'").get() as { id: number; pid: number };
    expect(ctx.catalog.db.prepare('SELECT supervisor_pid AS s FROM runs WHERE id = ?').get(runId)).toEqual({ s: cli.pid });
    cli.kill('SIGKILL');
    await expect.poll(() => getRun(ctx.catalog, runId).status, { timeout: 15_000, interval: 100 }).toBe('interrupted');
    expect(getRun(ctx.catalog, runId).error, err).toMatch(/supervising/);
    await expect.poll(() => pidIsAlive(workerPid), { timeout: 10_000 }).toBe(false);
    const last = lastCheckpoint(ctx.catalog, runId)!.epoch;
    expect(last).toBeGreaterThanOrEqual(1);

    // resumable here: this process claims it, continues after the last good epoch, then stops it
    const supervisor = new RunSupervisor(ctx, nodeWorkerLauncher, { only: [runId] });
    const resumedFrom: number[] = [];
    supervisor.onMessage((m) => {
      if (m.type === 'started') resumedFrom.push(m.epoch);
      if (m.type === 'epoch') supervisor.stop(runId);
    });
    supervisor.resume(runId);
    const stopped = await supervisor.waitFor(runId);
    await supervisor.shutdown();
    expect(stopped.status).toBe('stopped');
    expect(resumedFrom).toEqual([last]);
    expect(stopped.epoch).toBe(last + 1);
  }, 120_000);
});
