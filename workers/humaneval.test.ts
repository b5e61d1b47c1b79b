// Human-evaluation sessions from a real tiny S2I-C run (trained here in a worker process): the
// default generator stores 64×64 PNGs, and the same seed gives the same pairs and the same images.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { openStudio, type StudioContext } from '../core/studio/context';
import { createDemoDataset } from '../core/datasets/demoDataset';
import { createSession, raterState } from '../core/humaneval';
import { planRun } from '../core/runs/planRun';
import { RunSupervisor } from '../core/studio/supervisor';
import { nodeWorkerLauncher } from './launch';

let dir: string;
let ctx: StudioContext;
let s2iRun: number;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'avstudio-he-'));
  ctx = openStudio(dir);
  await createDemoDataset(ctx.catalog, ctx.blobs, 'small', { trackSeconds: 1 });
  s2iRun = planRun(ctx.catalog, { model: 's2i-c', dataset: 'small', preset: 'tiny', epochs: 1, encoderEpochs: 1, seed: 2 }).targetRunId;
  const supervisor = new RunSupervisor(ctx, nodeWorkerLauncher);
  supervisor.pump();
  expect((await supervisor.waitFor(s2iRun)).status).toBe('done');
}, 300_000);

afterAll(() => {
  ctx.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('human evaluation from a trained run', () => {
  it('generates the sets with the run (default: the latest finished S2I runs) and is reproducible from the seed', async () => {
    const a = await createSession(ctx, { sets: 1, seed: 4, raters: ['ann'] });
    expect(a.methods.map((m) => [m.method, m.runId, m.epoch])).toEqual([
      ['s2i-c', s2iRun, 1],
      ['ground-truth', null, null],
    ]);
    expect(a.itemCount).toBe(a.instruments.length * 2);
    const items = ctx.catalog.db.prepare('SELECT method, instrument, pair_id AS pairId, blob_hash AS hash FROM humaneval_items WHERE session_id = ? ORDER BY instrument, method').all(a.id) as Array<{ method: string; instrument: string; pairId: number; hash: string }>;
    for (const it of items) {
      const meta = await sharp(ctx.blobs.read(it.hash)).metadata();
      expect([meta.format, meta.width, meta.height]).toEqual(['png', 64, 64]);
    }
    const b = await createSession(ctx, { sets: 1, seed: 4, runIds: [s2iRun] });
    const again = ctx.catalog.db.prepare('SELECT method, instrument, pair_id AS pairId, blob_hash AS hash FROM humaneval_items WHERE session_id = ? ORDER BY instrument, method').all(b.id);
    expect(again).toEqual(items);
    expect(raterState(ctx.catalog, a.raters[0].token).items).toHaveLength(items.length);
  }, 120_000);
});
