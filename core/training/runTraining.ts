// The epoch loop of a training run, executed inside a worker process: opens the run (openRun.ts: its
// snapshot's pack, encoder and evaluator runs, and the trainer of its model — classifierTrainer.ts,
// autoencoderTrainer.ts or ganTrainer.ts), restores the last checkpoint when resuming, and trains
// epoch by epoch with one seeded RNG per epoch — writing metrics, a checkpoint, a sample grid and
// (every few epochs) Γ evaluations to the catalog after each epoch in one transaction, and reporting
// live progress to the supervisor.
import type { WorkerMessage } from '../contract/workerMessages';
import { pruneCheckpoints } from '../runs/checkpointRetention';
import type { RunConfig } from '../runs/runConfig';
import {
  addEvaluations, addSample, appendMetrics, getRun, lastCheckpoint, recordEpoch, setRunStatus, type MetricPoint,
} from '../runs/runsRepo';
import { createRng } from '../rng';
import type { StudioContext } from '../studio/context';
import { loadTf } from '../tf/tfBackend';
import { openRunTrainer } from './openRun';
import { checkpointDir, readRunCheckpointMeta, writeRunCheckpointMeta } from './runCheckpoint';

export interface RunHooks {
  report(msg: WorkerMessage): void;
  shouldStop(): boolean;
}

const epochSeed = (config: RunConfig, epoch: number) => (config.seed * 1_000_003 + epoch * 7919) >>> 0;

export async function executeRun(ctx: StudioContext, runId: number, hooks: RunHooks): Promise<'done' | 'stopped'> {
  const cat = ctx.catalog;
  const run = getRun(cat, runId);
  const config = run.config;
  const { tf, backend, package: pkg } = await loadTf();
  const resumeFrom = lastCheckpoint(cat, runId);
  setRunStatus(cat, runId, 'running', { pid: process.pid, backend: `${backend} (${pkg})`, error: null });
  hooks.report({ type: 'started', runId, backend, package: pkg, pid: process.pid, epoch: resumeFrom?.epoch ?? 0 });

  const opened = await openRunTrainer(ctx, runId, tf, {
    onProgress: (done, total) => {
      if (done === total || done % 50 === 0) hooks.report({ type: 'progress', runId, stage: 'loading pairs', done, total });
    },
    onWarn: (message) => hooks.report({ type: 'log', runId, level: 'warn', message }),
  });
  const { trainer, data } = opened;

  try {
    let step = 0;
    let startEpoch = 1;
    if (resumeFrom) {
      const meta = await readRunCheckpointMeta(resumeFrom.path);
      await trainer.restore(resumeFrom.path);
      step = meta.step;
      startEpoch = meta.epoch + 1;
      hooks.report({ type: 'log', runId, level: 'info', message: `resumed from epoch ${meta.epoch} (step ${meta.step})` });
    }
    for (let epoch = startEpoch; epoch <= config.epochs; epoch++) {
      const t0 = performance.now();
      const stepPoints: MetricPoint[] = [];
      const result = trainer.trainEpoch(epoch, createRng(epochSeed(config, epoch)), (metrics) => {
        step++;
        for (const [name, value] of Object.entries(metrics)) if (value !== null) stepPoints.push({ name, step, epoch, value });
        hooks.report({ type: 'step', runId, epoch, step, metrics });
        return !hooks.shouldStop();
      });
      if (result.stopped) {
        // an unfinished epoch is not kept: resume repeats it from the last checkpoint
        setRunStatus(cat, runId, 'stopped', { pid: null });
        hooks.report({ type: 'finished', runId, status: 'stopped', epoch: epoch - 1 });
        return 'stopped';
      }
      const seconds = (performance.now() - t0) / 1000;
      const itemsPerSecond = result.items / Math.max(seconds, 1e-9);
      const dir = checkpointDir(ctx.home.runsDir, runId, epoch);
      await trainer.save(dir);
      await writeRunCheckpointMeta(dir, { runId, epoch, step, classes: data.classes, parts: trainer.parts });
      const sample = await trainer.sampleGrid();
      const sampleHash = sample ? ctx.blobs.put(sample.png, 'png') : null;
      const evaluations = epoch % config.evalEvery === 0 || epoch === config.epochs ? trainer.evaluate(epoch) : [];
      const epochPoints: MetricPoint[] = [
        ...Object.entries(result.metrics).map(([name, value]) => ({ name: `epoch/${name}`, step: epoch, epoch, value })),
        { name: 'epoch/seconds', step: epoch, epoch, value: seconds },
        { name: 'epoch/items_per_s', step: epoch, epoch, value: itemsPerSecond },
      ];
      // everything this epoch produced lands together, or not at all
      cat.tx(() => {
        appendMetrics(cat, runId, [...stepPoints, ...epochPoints]);
        if (sample && sampleHash) addSample(cat, runId, epoch, sampleHash, sample.meta);
        if (evaluations.length) addEvaluations(cat, runId, evaluations);
        recordEpoch(cat, runId, epoch, step, dir);
      });
      if (config.keepCheckpoints > 0) pruneCheckpoints(cat, runId, config.keepCheckpoints, ctx.home.runsDir);
      const evalMetrics = Object.fromEntries(evaluations.filter((e) => e.instrument === '').map((e) => [`${e.kind}_${e.split}`, e.value]));
      hooks.report({ type: 'epoch', runId, epoch, seconds, itemsPerSecond, metrics: { ...result.metrics, ...evalMetrics }, sampleHash });
      if (hooks.shouldStop() && epoch < config.epochs) {
        setRunStatus(cat, runId, 'stopped', { pid: null });
        hooks.report({ type: 'finished', runId, status: 'stopped', epoch });
        return 'stopped';
      }
    }
    setRunStatus(cat, runId, 'done', { pid: null });
    hooks.report({ type: 'finished', runId, status: 'done', epoch: config.epochs });
    return 'done';
  } finally {
    opened.dispose();
  }
}
