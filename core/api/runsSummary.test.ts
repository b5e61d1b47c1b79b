// The run summaries and details behind the Runs table: config columns, seconds per epoch, each
// accuracy kind kept apart (last and best), the last epoch's metrics, and the worker log kept with
// the run (written as the worker writes it, read back through the API handlers).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStudio, type StudioContext } from '../studio/context';
import { createDemoDataset } from '../datasets/demoDataset';
import { planRun } from '../runs/planRun';
import { appendRunLog, formatWorkerMessage, readRunLog, runLogPath } from '../runs/runLog';
import { addEvaluations, appendMetrics, recordEpoch } from '../runs/runsRepo';
import { runsHandlers } from './runsHandlers';

let dir: string;
let ctx: StudioContext;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'avstudio-summary-'));
  ctx = openStudio(dir);
  await createDemoDataset(ctx.catalog, ctx.blobs, 'small', { trackSeconds: 1 });
});
afterAll(() => {
  ctx.close();
  rmSync(dir, { recursive: true, force: true });
});

const ev = (epoch: number, kind: string, value: number, split = 'test', instrument = '') => ({ epoch, kind, split, instrument, value, n: 10, evaluatorRunId: null });

describe('run summaries for the Runs table', () => {
  it('carries config columns, seconds per epoch, named accuracies and the last epoch metrics', async () => {
    const plan = planRun(ctx.catalog, { model: 's2i-c', dataset: 'small', preset: 'tiny', epochs: 10, wrongPairs: 'pose', instrument: 'vn', batchSize: 4 });
    const [clfId, , s2iId] = plan.runIds;
    appendMetrics(ctx.catalog, s2iId, [
      ...[1, 2, 3, 4, 5, 6].map((e) => ({ name: 'epoch/seconds', step: e, epoch: e, value: e === 1 ? 100 : 2 })),
      { name: 'epoch/d_loss', step: 6, epoch: 6, value: 1.25 },
      { name: 'epoch/g_loss', step: 6, epoch: 6, value: 0.75 },
      { name: 'epoch/g_loss', step: 5, epoch: 5, value: 9 },
    ]);
    recordEpoch(ctx.catalog, s2iId, 6, 60, join(dir, 'ckpt'));
    // Γ accuracy best at epoch 5, lower at the last evaluation; a per-instrument and a train value never count
    addEvaluations(ctx.catalog, s2iId, [ev(5, 'gamma_accuracy', 0.6), ev(6, 'gamma_accuracy', 0.4), ev(6, 'gamma_accuracy', 0.99, 'train'), ev(6, 'gamma_accuracy', 0.95, 'test', 'vn')]);
    addEvaluations(ctx.catalog, clfId, [ev(1, 'classifier_accuracy', 0.8)]);

    const list = await runsHandlers['runs.list']({}, ctx);
    const s2i = list.find((r) => r.id === s2iId)!;
    expect(s2i).toMatchObject({ batchSize: 4, learningRate: 2e-4, representation: 'lms', wrongPairs: 'pose', instrument: 'vn', convLayers: 4, epoch: 6 });
    expect(s2i.secondsPerEpoch).toBeCloseTo(2, 9); // the last five epochs: the slow first one is left out
    expect(s2i.accuracy).toEqual({ classifier: null, gamma: { last: 0.4, best: 0.6 }, soundClf: null });
    expect(s2i.lastEpochMetrics).toEqual({ d_loss: 1.25, g_loss: 0.75 });
    const clf = list.find((r) => r.id === clfId)!;
    expect(clf.accuracy).toEqual({ classifier: { last: 0.8, best: 0.8 }, gamma: null, soundClf: null });
    expect(clf.secondsPerEpoch).toBeNull();
    expect(clf.lastEpochMetrics).toEqual({});
    // a classifier's own test accuracy of every epoch counts as soon as it is recorded
    appendMetrics(ctx.catalog, clfId, [1, 2, 3].map((e) => ({ name: 'epoch/test_acc', step: e, epoch: e, value: [0.5, 0.9, 0.7][e - 1] })));
    const again = (await runsHandlers['runs.list']({}, ctx)).find((r) => r.id === clfId)!;
    expect(again.accuracy.classifier).toEqual({ last: 0.7, best: 0.9 });
  });

  it('keeps the worker log with the run and returns its tail with the run', async () => {
    const { targetRunId: id } = planRun(ctx.catalog, { model: 'sound-clf', dataset: 'small', preset: 'tiny', epochs: 2, representation: 'mfcc', soundConvLayers: 3 });
    expect((await runsHandlers['runs.get']({ id }, ctx)).log).toEqual([]);
    const at = new Date('2026-01-02T03:04:05Z');
    const lines = [
      formatWorkerMessage({ type: 'started', runId: id, backend: 'cpu-fast', package: '@tensorflow/tfjs', pid: 42, epoch: 0 }, at),
      formatWorkerMessage({ type: 'step', runId: id, epoch: 1, step: 1, metrics: { loss: 1 } }, at),
      formatWorkerMessage({ type: 'epoch', runId: id, epoch: 1, seconds: 1.5, itemsPerSecond: 80, metrics: { loss: 0.123456, test_acc: null }, sampleHash: null }, at),
      formatWorkerMessage({ type: 'log', runId: id, level: 'warn', message: 'two\nlines' }, at),
      formatWorkerMessage({ type: 'finished', runId: id, status: 'done', epoch: 2 }, at),
    ];
    expect(lines[1]).toBeNull(); // steps are too frequent to keep
    appendRunLog(ctx.home.runsDir, id, ...lines.filter((l): l is string => l !== null));
    expect(readFileSync(runLogPath(ctx.home.runsDir, id), 'utf8').split('\n')).toHaveLength(5);
    const got = (await runsHandlers['runs.get']({ id }, ctx)).log;
    expect(got).toEqual([
      '2026-01-02T03:04:05.000Z info started on cpu-fast (@tensorflow/tfjs), pid 42',
      '2026-01-02T03:04:05.000Z info epoch 1 in 1.5 s (80.0 items/s) — loss 0.1235',
      '2026-01-02T03:04:05.000Z warn two ⏎ lines',
      '2026-01-02T03:04:05.000Z info finished at epoch 2',
    ]);
    for (let i = 0; i < 400; i++) appendRunLog(ctx.home.runsDir, id, `line ${i}`);
    const tail = readRunLog(ctx.home.runsDir, id, 300);
    expect(tail).toHaveLength(300);
    expect(tail[299]).toBe('line 399');
    const summary = (await runsHandlers['runs.list']({}, ctx)).find((r) => r.id === id)!;
    expect([summary.representation, summary.convLayers]).toEqual(['mfcc', 3]);
  });
});
