import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStudio, type StudioContext } from '../studio/context';
import { createDemoDataset } from '../datasets/demoDataset';
import { planRun, previewRun } from './planRun';
import { getRun, listRuns, setRunStatus } from './runsRepo';

let dir: string;
let ctx: StudioContext;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'avstudio-plan-'));
  ctx = openStudio(dir);
  await createDemoDataset(ctx.catalog, ctx.blobs, 'small', { trackSeconds: 1 });
});
afterAll(() => {
  ctx.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('planRun', () => {
  it('queues the encoder and Γ an S2I-C run needs, on one snapshot, before the run', () => {
    const plan = planRun(ctx.catalog, { model: 's2i-c', dataset: 'small', preset: 'tiny', epochs: 2 });
    expect(plan.created.map((c) => c.model)).toEqual(['sound-clf', 'image-clf', 's2i-c']);
    const [enc, gamma, s2i] = plan.runIds.map((id) => getRun(ctx.catalog, id));
    expect(s2i.config.encoderRunId).toBe(enc.id);
    expect(s2i.config.evaluatorRunId).toBe(gamma.id);
    expect(new Set([enc.snapshotId, gamma.snapshotId, s2i.snapshotId]).size).toBe(1);
    expect(s2i.config.hyper).toMatchObject({ batchSize: 8, learningRate: 2e-4, beta1: 0.5, zDim: 100 });
    expect(enc.config.hyper.learningRate).toBe(1e-3);
  });

  it('reuses a finished encoder of the same preset and queues a fresh one for another preset', () => {
    for (const r of listRuns(ctx.catalog)) setRunStatus(ctx.catalog, r.id, 'done');
    const again = planRun(ctx.catalog, { model: 's2i-n', dataset: 'small', preset: 'tiny' });
    expect(again.created.map((c) => c.model)).toEqual(['s2i-n']);
    const paper = previewRun(ctx.catalog, { model: 's2i-n', dataset: 'small', preset: 'paper' });
    expect(paper.map((p) => p.model)).toEqual(['sound-clf', 'image-clf', 's2i-n']);
    expect(paper[2].config.hyper).toMatchObject({ batchSize: 64, imageSize: 64, ngf: 64 });
  });

  it('previews without writing anything', () => {
    const before = listRuns(ctx.catalog).length;
    const snapshots = ctx.catalog.db.prepare('SELECT COUNT(*) AS n FROM snapshots').get();
    previewRun(ctx.catalog, { model: 's2i-a', dataset: 'small', preset: 'tiny' });
    expect(listRuns(ctx.catalog).length).toBe(before);
    expect(ctx.catalog.db.prepare('SELECT COUNT(*) AS n FROM snapshots').get()).toEqual(snapshots);
  });

  it('refuses a pose-oriented run without an instrument and an encoder of the wrong kind', () => {
    expect(() => planRun(ctx.catalog, { model: 's2i-c', dataset: 'small', preset: 'tiny', wrongPairs: 'pose' })).toThrow(/--instrument/);
    const gamma = listRuns(ctx.catalog, { model: 'image-clf' })[0];
    expect(() => planRun(ctx.catalog, { model: 's2i-c', dataset: 'small', preset: 'tiny', encoderRunId: gamma.id })).toThrow(/must be a sound-clf run/);
    const pose = planRun(ctx.catalog, { model: 's2i-c', dataset: 'small', preset: 'tiny', wrongPairs: 'pose', instrument: 'vn' });
    expect(getRun(ctx.catalog, pose.targetRunId).config).toMatchObject({ wrongPairs: 'pose', instrument: 'vn' });
  });
});
