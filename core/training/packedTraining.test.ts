// Every trainer reads its batches from the packed store: the stacked autoencoder (earlier stacks
// applied per batch) → S2I-A, and I2S with its sound-classifier evaluator, each trained for a tiny
// epoch in this process, then evaluated on demand (which reads the pack again).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStudio, type StudioContext } from '../studio/context';
import { createDemoDataset } from '../datasets/demoDataset';
import { evaluateRun } from '../evaluation/evaluateRun';
import { planRun } from '../runs/planRun';
import { getRun, runMetrics } from '../runs/runsRepo';
import { executeRun } from './runTraining';

let dir: string;
let ctx: StudioContext;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'avstudio-packtrain-'));
  ctx = openStudio(dir);
  await createDemoDataset(ctx.catalog, ctx.blobs, 'small', { trackSeconds: 1 });
});
afterAll(() => {
  ctx.close();
  rmSync(dir, { recursive: true, force: true });
});

async function trainAll(runIds: number[]): Promise<void> {
  for (const id of runIds) {
    const status = await executeRun(ctx, id, { report: () => {}, shouldStop: () => false });
    expect(status, `run ${id} (${getRun(ctx.catalog, id).config.model})`).toBe('done');
  }
}

describe('training from the packed store', () => {
  it('trains the autoencoder and S2I-A, then I2S scored by the sound classifier', async () => {
    const s2ia = planRun(ctx.catalog, { model: 's2i-a', dataset: 'small', preset: 'tiny', epochs: 1, encoderEpochs: 1 });
    await trainAll(s2ia.runIds);
    const ae = s2ia.created.find((c) => c.model === 'autoencoder')!.runId;
    const mse = runMetrics(ctx.catalog, ae, ['epoch/mse_stack1', 'epoch/mse_stack4']);
    expect(mse).toHaveLength(2);
    for (const m of mse) expect(Number.isFinite(m.value) && m.value > 0).toBe(true);
    const gamma = (await evaluateRun(ctx, s2ia.targetRunId)).evaluations.filter((e) => e.instrument === '');
    expect(gamma.map((e) => e.kind)).toContain('gamma_accuracy');

    const i2s = planRun(ctx.catalog, { model: 'i2s', dataset: 'small', preset: 'tiny', epochs: 1, encoderEpochs: 1 });
    await trainAll(i2s.runIds);
    expect(runMetrics(ctx.catalog, i2s.targetRunId, ['epoch/d_loss']).length).toBe(1);
    const kinds = (await evaluateRun(ctx, i2s.targetRunId)).evaluations.filter((e) => e.instrument === '').map((e) => e.kind);
    expect(kinds).toEqual(expect.arrayContaining(['sound_clf_accuracy', 'sound_clf_real_accuracy']));

    // one pack per snapshot, holding the LMS and pictures these models read
    const packs = readdirSync(join(ctx.home.root, 'packs'));
    expect(packs.length).toBeGreaterThan(0);
    for (const p of packs) expect(existsSync(join(ctx.home.root, 'packs', p, 'train.lms.f32'))).toBe(true);
  }, 120_000);
});
