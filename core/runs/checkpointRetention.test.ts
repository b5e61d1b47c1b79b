// Issue 19, item 6: checkpoint retention — the last K and the best stay, rows before folders; and a
// real training run keeps exactly those (workers/checkpointRetention.test.ts).
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStudio, type StudioContext } from '../studio/context';
import { nowIso } from '../catalog/catalog';
import { createDemoDataset } from '../datasets/demoDataset';
import { bestEpoch, pruneCheckpoints } from './checkpointRetention';
import { planRun } from './planRun';
import { addEvaluations } from './runsRepo';

let dir: string;
let ctx: StudioContext;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'avstudio-retention-'));
  ctx = openStudio(dir);
  await createDemoDataset(ctx.catalog, ctx.blobs, 'small', { trackSeconds: 1 });
}, 60_000);
afterAll(() => {
  ctx.close();
  rmSync(dir, { recursive: true, force: true });
});

const epochsOf = (runId: number) => (ctx.catalog.db.prepare('SELECT epoch FROM checkpoints WHERE run_id = ? ORDER BY epoch').all(runId) as Array<{ epoch: number }>).map((r) => r.epoch);

describe('checkpoint retention', () => {
  it('keeps the last K and the best (held-out accuracy, latest among ties), deleting rows then folders', () => {
    const runId = planRun(ctx.catalog, { model: 's2i-c', dataset: 'small', preset: 'tiny', epochs: 10 }).targetRunId;
    for (let e = 1; e <= 8; e++) {
      const path = join(ctx.home.runsDir, String(runId), `epoch-${e}`);
      mkdirSync(path, { recursive: true });
      writeFileSync(join(path, 'meta.json'), '{}');
      ctx.catalog.db.prepare('INSERT INTO checkpoints (run_id, epoch, step, path, created_at) VALUES (?, ?, ?, ?, ?)').run(runId, e, e * 10, path, nowIso());
    }
    const ev = (epoch: number, split: string, value: number) => ({ epoch, kind: 'gamma_accuracy', split, instrument: '', value, n: 10, evaluatorRunId: null });
    addEvaluations(ctx.catalog, runId, [ev(2, 'test', 0.4), ev(3, 'test', 0.7), ev(5, 'test', 0.7), ev(6, 'test', 0.5), ev(7, 'train', 0.99)]);
    expect(bestEpoch(ctx.catalog, runId)).toBe(5);
    expect(pruneCheckpoints(ctx.catalog, runId, 2, ctx.home.runsDir)).toEqual([1, 2, 3, 4, 6]);
    expect(epochsOf(runId)).toEqual([5, 7, 8]);
    for (let e = 1; e <= 8; e++) expect(existsSync(join(ctx.home.runsDir, String(runId), `epoch-${e}`)), `epoch ${e}`).toBe([5, 7, 8].includes(e));
    // K = 0: every epoch's checkpoint stays
    expect(pruneCheckpoints(ctx.catalog, runId, 0, ctx.home.runsDir)).toEqual([]);
  });
});
