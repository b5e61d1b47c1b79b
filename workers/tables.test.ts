// End-to-end: real tiny training in worker processes (one S2I-C and one S2I-N run sharing their
// sound-classifier encoder and Γ, plus a Table 1 sound classifier on MFCC), on-demand evaluation at a
// checkpoint, and Table 5 / Fig. 9 / Table 1 exported through the API and the CLI with cells that
// point back to those runs.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { openStudio, type StudioContext } from '../core/studio/context';
import { callOrThrow } from '../core/api/dispatch';
import { handlers } from '../core/api/handlers';
import { createDemoDataset } from '../core/datasets/demoDataset';
import { evaluateRun } from '../core/evaluation/evaluateRun';
import { planRun } from '../core/runs/planRun';
import { getRun, runEvaluations } from '../core/runs/runsRepo';
import { RunSupervisor } from '../core/studio/supervisor';
import type { ResultTable } from '../core/tables/tableModel';
import { nodeWorkerLauncher } from './launch';

const BIN = fileURLToPath(new URL('../bin/avstudio.mjs', import.meta.url));
let dir: string;
let ctx: StudioContext;
const ids = { c: 0, n: 0, encoder: 0, gamma: 0, mfcc: 0 };

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'avstudio-tables-e2e-'));
  ctx = openStudio(dir);
  await createDemoDataset(ctx.catalog, ctx.blobs, 'small', { trackSeconds: 1 });
  const c = planRun(ctx.catalog, { model: 's2i-c', dataset: 'small', preset: 'tiny', epochs: 2, encoderEpochs: 2, seed: 7 });
  const n = planRun(ctx.catalog, { model: 's2i-n', dataset: 'small', preset: 'tiny', epochs: 2, seed: 7 });
  const mfcc = planRun(ctx.catalog, { model: 'sound-clf', dataset: 'small', preset: 'tiny', epochs: 1, representation: 'mfcc', soundConvLayers: 3 });
  ids.c = c.targetRunId;
  ids.n = n.targetRunId;
  ids.mfcc = mfcc.targetRunId;
  ids.encoder = getRun(ctx.catalog, ids.c).config.encoderRunId as number;
  ids.gamma = getRun(ctx.catalog, ids.c).config.evaluatorRunId as number;
  const supervisor = new RunSupervisor(ctx, nodeWorkerLauncher);
  supervisor.pump();
  for (const id of [ids.c, ids.n, ids.mfcc]) expect((await supervisor.waitFor(id)).status).toBe('done');
}, 240_000);
afterAll(() => {
  ctx.close();
  rmSync(dir, { recursive: true, force: true });
});

const runIdsOf = (t: ResultTable) => new Set(t.rows.flatMap((r) => r.cells.flatMap((c) => c.provenance?.runIds ?? [])));

describe('evaluation and result tables from real runs', () => {
  it('the S2I-N run shares the S2I-C run\'s encoder and Γ, and the MFCC classifier reads MFCC', () => {
    expect(getRun(ctx.catalog, ids.n).config).toMatchObject({ encoderRunId: ids.encoder, evaluatorRunId: ids.gamma });
    expect(getRun(ctx.catalog, ids.mfcc).config.representation).toBe('mfcc');
    expect(getRun(ctx.catalog, ids.encoder).config.representation).toBe('lms');
  });

  it('evaluates a run on demand: at the last checkpoint it reproduces training\'s rows, and adds an earlier epoch', async () => {
    const trained = runEvaluations(ctx.catalog, ids.c).filter((e) => e.kind === 'gamma_accuracy' && e.epoch === 2);
    expect(trained.length).toBeGreaterThan(2);
    const again = await evaluateRun(ctx, ids.c);
    expect(again.epoch).toBe(2);
    for (const e of trained) {
      const twin = again.evaluations.find((a) => a.split === e.split && a.instrument === e.instrument);
      expect(twin?.value).toBeCloseTo(e.value, 6);
      expect(twin?.evaluatorRunId).toBe(ids.gamma);
    }
    const first = await callOrThrow(handlers, ctx, 'runs.evaluate', { id: ids.c, epoch: 1 });
    expect(first.epoch).toBe(1);
    expect(first.evaluations.some((e) => e.split === 'test' && e.instrument === '')).toBe(true);
    expect(runEvaluations(ctx.catalog, ids.c).filter((e) => e.kind === 'gamma_accuracy' && e.instrument === '' && e.split === 'train').map((e) => e.epoch)).toEqual([1, 2]);
    await expect(evaluateRun(ctx, ids.c, { epoch: 9 })).rejects.toThrow(/no checkpoint of epoch 9/);
  });

  it('exports Table 5 whose cells point back to the S2I-C and S2I-N runs', async () => {
    const t = await callOrThrow(handlers, ctx, 'tables.build', { table: 'table5', runs: [ids.c, ids.n], paper: true });
    expect([...runIdsOf(t)].sort()).toEqual([ids.c, ids.n].sort());
    const test = t.rows.find((r) => r.key === 'test');
    expect(test?.cells[1].provenance).toMatchObject({ runIds: [ids.c], epoch: 2, split: 'test', kind: 'gamma_accuracy', evaluatorRunIds: [ids.gamma] });
    expect(test?.cells[2].provenance).toMatchObject({ runIds: [ids.n], epoch: 2, split: 'test' });
    expect(test?.cells[1].value).toBeCloseTo(runEvaluations(ctx.catalog, ids.c).find((e) => e.kind === 'gamma_accuracy' && e.epoch === 2 && e.split === 'test' && e.instrument === '')?.value as number, 10);
    const latex = await callOrThrow(handlers, ctx, 'tables.export', { table: 'table5', runs: [ids.c, ids.n], format: 'latex' });
    expect(latex.text).toContain('\\toprule');
    expect(latex.text).toContain(`S2I-C (run ${ids.c}, tiny, epoch 2)`);
    // the same through the CLI, as CSV on stdout
    const r = spawnSync(process.execPath, [BIN, 'table', 'table5', '--home', dir, '--runs', `${ids.c},${ids.n}`, '--format', 'csv'], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stdout.split('\r\n')[0]).toBe(`Set,"S2I-C (run ${ids.c}, tiny, epoch 2)","S2I-N (run ${ids.n}, tiny, epoch 2)"`);
  });

  it('exports Fig. 9 (a line per run and split over the evaluated epochs) as SVG and PNG', async () => {
    const t = await callOrThrow(handlers, ctx, 'tables.build', { table: 'fig9', runs: [ids.c] });
    expect(t.rows.map((r) => r.cells[0].value)).toEqual([1, 2]);
    expect([...runIdsOf(t)]).toEqual([ids.c]);
    expect(t.figure?.kind === 'line' && t.figure.series.map((s) => [s.runId, s.split, s.points.length])).toEqual([[ids.c, 'train', 2], [ids.c, 'test', 2]]);
    const png = await callOrThrow(handlers, ctx, 'tables.export', { table: 'fig9', runs: [ids.c], format: 'png' });
    expect((await sharp(Buffer.from(png.base64 as string, 'base64')).metadata()).format).toBe('png');
    const out = join(dir, 'fig9.svg');
    const r = spawnSync(process.execPath, [BIN, 'table', 'fig9', '--home', dir, '--runs', String(ids.c), '--format', 'svg', '--out', out, '--json'], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ table: 'fig9', format: 'svg', runIds: [ids.c] });
    expect(readFileSync(out, 'utf8')).toContain('<polyline');
  });

  it('builds Table 1 from the LMS encoder and the MFCC classifier, and refuses runs without evaluations', async () => {
    const t = await callOrThrow(handlers, ctx, 'tables.build', { table: 'table1', runs: [ids.encoder, ids.mfcc] });
    expect(t.rows.find((r) => r.key === 'lms')?.cells[2].provenance?.runIds).toEqual([ids.encoder]);
    expect(t.rows.find((r) => r.key === 'mfcc')?.cells[1].provenance?.runIds).toEqual([ids.mfcc]);
    const queued = planRun(ctx.catalog, { model: 's2i-a', dataset: 'small', preset: 'tiny', epochs: 1 }).targetRunId;
    const r = spawnSync(process.execPath, [BIN, 'table', 'table5', '--home', dir, '--runs', `${ids.c},${queued},999`, '--json'], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    const err = (JSON.parse(r.stdout) as { error: { kind: string; message: string } }).error;
    expect(err.kind).toBe('not_found');
    expect(err.message).toContain('run 999 does not exist');
    expect(err.message).toContain(`run ${queued} (s2i-a, queued, epoch 0/1) has no gamma_accuracy evaluations yet`);
  });
});
