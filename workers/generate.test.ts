// Generation from a real tiny S2I-C run (trained here in worker processes): images per pair and
// seed, deterministic for a seed, with the evaluator's predicted class.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { openStudio, type StudioContext } from '../core/studio/context';
import { listPairs } from '../core/catalog/pairsRepo';
import { createDemoDataset } from '../core/datasets/demoDataset';
import { AvError } from '../core/errors';
import { planRun } from '../core/runs/planRun';
import { RunSupervisor } from '../core/studio/supervisor';
import { generateForPairs } from '../core/training/generate';
import { nodeWorkerLauncher } from './launch';

let dir: string;
let ctx: StudioContext;
let s2iRun: number;
let encoderRun: number;
let datasetId: number;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'avstudio-gen-'));
  ctx = openStudio(dir);
  datasetId = await createDemoDataset(ctx.catalog, ctx.blobs, 'small', { trackSeconds: 1 });
  const plan = planRun(ctx.catalog, { model: 's2i-c', dataset: 'small', preset: 'tiny', epochs: 1, encoderEpochs: 1, seed: 2 });
  s2iRun = plan.targetRunId;
  encoderRun = plan.created.find((c) => c.model === 'sound-clf')!.runId;
  const supervisor = new RunSupervisor(ctx, nodeWorkerLauncher);
  supervisor.pump();
  const done = await supervisor.waitFor(s2iRun);
  expect(done.status).toBe('done');
}, 300_000);

afterAll(() => {
  ctx.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('generation from a trained run', () => {
  it('makes a 64×64 image per pair and seed, the same for the same seed', async () => {
    const pairs = listPairs(ctx.catalog, { datasetId, split: 'test', limit: 2 }).items.map((p) => p.id);
    const a = await generateForPairs(ctx, s2iRun, pairs, [1, 2]);
    expect(a.epoch).toBe(1);
    expect(a.items.map((i) => [i.pairId, i.seed])).toEqual([[pairs[0], 1], [pairs[0], 2], [pairs[1], 1], [pairs[1], 2]]);
    const meta = await sharp(ctx.blobs.read(a.items[0].hash)).metadata();
    expect([meta.width, meta.height]).toEqual([64, 64]);
    expect(a.items[0].hash).not.toBe(a.items[1].hash);
    for (const item of a.items) {
      expect(['cl', 'fl', 'tpt', 'vn']).toContain(item.predicted?.instrument);
      expect(item.predicted!.confidence).toBeGreaterThan(0);
      expect(item.predicted!.confidence).toBeLessThanOrEqual(1);
    }
    const again = await generateForPairs(ctx, s2iRun, [pairs[0]], [1]);
    expect(again.items[0].hash).toBe(a.items[0].hash);
  });

  it('refuses non-GAN runs and missing epochs with typed errors', async () => {
    await expect(generateForPairs(ctx, encoderRun, [1], [1])).rejects.toMatchObject({ kind: 'bad_request' });
    await expect(generateForPairs(ctx, s2iRun, [1], [1], 7)).rejects.toBeInstanceOf(AvError);
    await expect(generateForPairs(ctx, s2iRun, [1], [1], 7)).rejects.toMatchObject({ kind: 'not_found' });
  });
});
