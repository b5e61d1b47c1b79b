// Test helpers: a small demo dataset with three "trained" S2I runs (rows + a checkpoint row, no
// networks) and a fake generator that stores a distinct PNG per run, pair and seed.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { openStudio, type StudioContext } from '../studio/context';
import { nowIso } from '../catalog/catalog';
import { createDemoDataset } from '../datasets/demoDataset';
import { planRun } from '../runs/planRun';
import { setRunStatus } from '../runs/runsRepo';
import { deriveSeed } from './seeded';
import type { GenerateImage } from './sessions';

export interface FakeStudio {
  ctx: StudioContext;
  datasetId: number;
  runs: { c: number; n: number; a: number };
  generate: GenerateImage;
  calls: Array<[number, number, number]>;
}

export async function fakeStudio(): Promise<FakeStudio> {
  const ctx = openStudio(mkdtempSync(join(tmpdir(), 'avstudio-he-')));
  const datasetId = await createDemoDataset(ctx.catalog, ctx.blobs, 'small', { trackSeconds: 1 });
  const done = (model: 's2i-c' | 's2i-n' | 's2i-a') => {
    const id = planRun(ctx.catalog, { model, dataset: datasetId, preset: 'tiny', epochs: 1, seed: 3 }).targetRunId;
    setRunStatus(ctx.catalog, id, 'done');
    ctx.catalog.db.prepare('INSERT INTO checkpoints (run_id, epoch, step, path, created_at) VALUES (?, 1, 1, ?, ?)').run(id, '/nonexistent', nowIso());
    return id;
  };
  const runs = { c: done('s2i-c'), n: done('s2i-n'), a: done('s2i-a') };
  const calls: Array<[number, number, number]> = [];
  const generate: GenerateImage = async (runId, pairId, seed) => {
    calls.push([runId, pairId, seed]);
    const v = deriveSeed(runId, pairId, seed);
    const png = await sharp({ create: { width: 64, height: 64, channels: 3, background: { r: v & 255, g: (v >> 8) & 255, b: (v >> 16) & 255 } } })
      .png()
      .toBuffer();
    return { hash: ctx.blobs.put(png, 'png'), epoch: 1 };
  };
  return { ctx, datasetId, runs, generate, calls };
}
