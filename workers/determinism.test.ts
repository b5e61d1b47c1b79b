// Bit-identical reruns (README "Reproducibility"): the same tiny run trained twice in real worker
// processes, and once more with the worker killed (SIGKILL) in the middle and resumed, gives the same
// loss at every step, the same checkpoint bytes at every epoch and the same sample grids. The sound
// classifier (dropout) and S2I-C (noise z, wrong pairs, batch norm, two Adam optimisers) are checked.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { openStudio, type StudioContext } from '../core/studio/context';
import { createDemoDataset } from '../core/datasets/demoDataset';
import { nodeWorkerLauncher } from './launch';
import { planRun, type LaunchRequest } from '../core/runs/planRun';
import { getRun, runMetrics, runSamples } from '../core/runs/runsRepo';
import { RunSupervisor } from '../core/studio/supervisor';

let dir: string;
let ctx: StudioContext;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'avstudio-det-'));
  ctx = openStudio(dir);
  await createDemoDataset(ctx.catalog, ctx.blobs, 'det', { trackSeconds: 1.5 });
});
afterAll(() => {
  ctx.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Every file of a run's checkpoints, path → bytes; the run id inside layer names is normalised. */
function checkpointFiles(runId: number): Map<string, Buffer> {
  const root = join(ctx.home.runsDir, String(runId));
  const out = new Map<string, Buffer>();
  // the epoch checkpoints (runs/<id>/epoch-*/…), not the run's own log (worker.log: times, pids)
  const walk = (d: string): void => {
    for (const e of readdirSync(d).sort()) {
      if (d === root && !e.startsWith('epoch-')) continue;
      const p = join(d, e);
      if (statSync(p).isDirectory()) walk(p);
      else {
        const bytes = readFileSync(p);
        // model.json / optimizer.json / meta.json name the run (layer-name prefix `s2i_c_<id>_`,
        // "runId"): the weights (.bin) are compared as they are
        out.set(relative(root, p), p.endsWith('.json') ? Buffer.from(bytes.toString('utf8').replace(new RegExp(`_${runId}(?=[_"/])`, 'g'), '_ID').replace(/"runId":\s*\d+/, '"runId":0')) : bytes);
      }
    }
  };
  walk(root);
  return out;
}

const losses = (runId: number) => runMetrics(ctx.catalog, runId).map((m) => `${m.name}@${m.step}:${m.value}`).filter((s) => !s.startsWith('epoch/seconds') && !s.startsWith('epoch/items_per_s'));

async function train(req: LaunchRequest, killAt?: { epoch: number }): Promise<number> {
  const plan = planRun(ctx.catalog, req);
  const runId = plan.targetRunId;
  const supervisor = new RunSupervisor(ctx, nodeWorkerLauncher);
  let killed = false;
  supervisor.onMessage((m) => {
    if (killAt && !killed && m.type === 'step' && m.runId === runId && m.epoch === killAt.epoch) {
      killed = true;
      process.kill(getRun(ctx.catalog, runId).pid as number, 'SIGKILL');
    }
  });
  supervisor.pump();
  let row = await supervisor.waitFor(runId);
  if (killAt) {
    expect(killed).toBe(true);
    expect(row.status).toBe('interrupted');
    supervisor.resume(runId);
    row = await supervisor.waitFor(runId);
  }
  expect(row.status).toBe('done');
  return runId;
}

function expectSameRun(a: number, b: number): void {
  expect(losses(b)).toEqual(losses(a));
  const fa = checkpointFiles(a);
  const fb = checkpointFiles(b);
  expect([...fb.keys()]).toEqual([...fa.keys()]);
  for (const [k, bytes] of fa) expect(fb.get(k)?.equals(bytes), `${k} differs`).toBe(true);
  expect(runSamples(ctx.catalog, b).map((s) => s.hash)).toEqual(runSamples(ctx.catalog, a).map((s) => s.hash));
}

describe('bit-identical reruns', () => {
  it('the sound classifier (dropout) trains the same twice, and after a kill -9 and resume', async () => {
    const req: LaunchRequest = { model: 'sound-clf', dataset: 'det', preset: 'tiny', epochs: 3, seed: 11 };
    const a = await train(req);
    const b = await train(req);
    const c = await train(req, { epoch: 2 });
    expect(losses(a).length).toBeGreaterThan(6);
    expectSameRun(a, b);
    expectSameRun(a, c);
    // a different seed gives a different run (the comparison can fail)
    const d = await train({ ...req, seed: 12 });
    expect(losses(d)).not.toEqual(losses(a));
  }, 120_000);

  it('S2I-C trains the same twice, and after a kill -9 and resume', async () => {
    const first = planRun(ctx.catalog, { model: 's2i-c', dataset: 'det', preset: 'tiny', epochs: 1, seed: 3, encoderEpochs: 2 });
    // train the encoder and Γ once; the three S2I-C runs below share them
    const supervisor = new RunSupervisor(ctx, nodeWorkerLauncher);
    supervisor.pump();
    for (const id of first.runIds) expect((await supervisor.waitFor(id)).status).toBe('done');
    const encoderRunId = getRun(ctx.catalog, first.targetRunId).config.encoderRunId as number;
    const evaluatorRunId = getRun(ctx.catalog, first.targetRunId).config.evaluatorRunId as number;
    const req: LaunchRequest = { model: 's2i-c', dataset: 'det', preset: 'tiny', epochs: 3, seed: 3, encoderRunId, evaluatorRunId };
    const a = await train(req);
    const b = await train(req);
    const c = await train(req, { epoch: 2 });
    expect(losses(a).filter((l) => l.startsWith('d_loss@')).length).toBeGreaterThan(6);
    expectSameRun(a, b);
    expectSameRun(a, c);
  }, 180_000);
});
