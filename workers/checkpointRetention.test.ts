// Issue 19, item 6: a real training run (worker process) with keepCheckpoints keeps only its last
// checkpoint(s) and the best, rows and folders.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStudio, type StudioContext } from '../core/studio/context';
import { createDemoDataset } from '../core/datasets/demoDataset';
import { bestEpoch } from '../core/runs/checkpointRetention';
import { planRun } from '../core/runs/planRun';
import { getRun } from '../core/runs/runsRepo';
import { RunSupervisor } from '../core/studio/supervisor';
import { nodeWorkerLauncher } from './launch';

let dir: string;
let ctx: StudioContext;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'avstudio-retention-run-'));
  ctx = openStudio(dir);
  await createDemoDataset(ctx.catalog, ctx.blobs, 'small', { trackSeconds: 1 });
}, 60_000);
afterAll(() => {
  ctx.close();
  rmSync(dir, { recursive: true, force: true });
});

const epochsOf = (runId: number) => (ctx.catalog.db.prepare('SELECT epoch FROM checkpoints WHERE run_id = ? ORDER BY epoch').all(runId) as Array<{ epoch: number }>).map((r) => r.epoch);

describe('checkpoint retention in a real run', () => {
  it('a real run with keepCheckpoints 1 ends with its last checkpoint and the best, folders included', async () => {
    const runId = planRun(ctx.catalog, { model: 'sound-clf', dataset: 'small', preset: 'tiny', epochs: 3, seed: 2, keepCheckpoints: 1 }).targetRunId;
    expect(getRun(ctx.catalog, runId).config.keepCheckpoints).toBe(1);
    const supervisor = new RunSupervisor(ctx, nodeWorkerLauncher);
    supervisor.pump();
    const done = await supervisor.waitFor(runId);
    expect(done.status).toBe('done');
    const kept = epochsOf(runId);
    const best = bestEpoch(ctx.catalog, runId);
    expect(kept).toEqual([...new Set([3, ...(best === null ? [] : [best])])].sort((a, b) => a - b));
    for (let e = 1; e <= 3; e++) {
      const path = join(ctx.home.runsDir, String(runId), `epoch-${String(e).padStart(4, '0')}`);
      expect(existsSync(path), `epoch ${e}`).toBe(kept.includes(e));
    }
  }, 120_000);
});
