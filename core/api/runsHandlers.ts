// The runs part of the API: thin over core/runs. Launching, stopping and resuming need the door's
// run supervisor (ctx.supervisor); a door without one refuses them clearly.
import { findDataset } from '../catalog/datasetsRepo';
import { AvError } from '../errors';
import { planRun, previewRun } from '../runs/planRun';
import { generateForPairs } from '../training/generate';
import { annotateRun, getRun, listRuns, reconcileDeadRuns, runEvaluations, runMetrics, runSamples, type RunRow } from '../runs/runsRepo';
import { readRunLog } from '../runs/runLog';
import { announceRuns, pidIsAlive, type RunSupervisor } from '../studio/supervisor';
import type { StudioContext } from '../studio/context';
import type { ApiHandlers } from './dispatch';
import type { RunSummary } from '../contract/runsContract';

function supervisorOf(ctx: StudioContext): RunSupervisor {
  if (!ctx.supervisor) throw new AvError('unsupported', 'this studio process cannot run training workers');
  return ctx.supervisor;
}

/** Last and best test accuracy of one kind (overall, not per instrument); null when never evaluated. */
function accuracyOf(ctx: StudioContext, runId: number, kind: string): { last: number; best: number } | null {
  const row = ctx.catalog.db
    .prepare(
      `SELECT MAX(value) AS best, (SELECT value FROM evaluations WHERE run_id = @id AND kind = @kind AND split = 'test' AND instrument = '' ORDER BY epoch DESC LIMIT 1) AS last
         FROM evaluations WHERE run_id = @id AND kind = @kind AND split = 'test' AND instrument = ''`,
    )
    .get({ id: runId, kind }) as { best: number | null; last: number | null };
  return row.best === null || row.last === null ? null : { last: row.last, best: row.best };
}

/** A classifier's own test accuracy, recorded every epoch (epoch/test_acc); null before the first. */
function epochTestAccuracy(ctx: StudioContext, runId: number): { last: number; best: number } | null {
  const row = ctx.catalog.db
    .prepare(
      `SELECT MAX(value) AS best, (SELECT value FROM metrics WHERE run_id = @id AND name = 'epoch/test_acc' ORDER BY step DESC LIMIT 1) AS last
         FROM metrics WHERE run_id = @id AND name = 'epoch/test_acc'`,
    )
    .get({ id: runId }) as { best: number | null; last: number | null };
  return row.best === null || row.last === null ? null : { last: row.last, best: row.best };
}

/** Mean duration of the run's last (up to 5) finished epochs, for ETAs. */
function secondsPerEpoch(ctx: StudioContext, runId: number): number | null {
  const row = ctx.catalog.db
    .prepare("SELECT AVG(value) AS v FROM (SELECT value FROM metrics WHERE run_id = ? AND name = 'epoch/seconds' ORDER BY step DESC LIMIT 5)")
    .get(runId) as { v: number | null };
  return row.v;
}

/** The epoch/* metrics of the run's last finished epoch (name without the prefix). */
function lastEpochMetrics(ctx: StudioContext, r: RunRow): Record<string, number> {
  if (r.epoch < 1) return {};
  const rows = ctx.catalog.db
    .prepare("SELECT name, value FROM metrics WHERE run_id = ? AND epoch = ? AND name LIKE 'epoch/%' AND step = ?")
    .all(r.id, r.epoch, r.epoch) as Array<{ name: string; value: number }>;
  return Object.fromEntries(rows.filter((m) => m.name !== 'epoch/seconds' && m.name !== 'epoch/items_per_s').map((m) => [m.name.slice(6), m.value]));
}

function bestAccuracy(ctx: StudioContext, r: RunRow): number | null {
  const kind = r.model.startsWith('s2i') ? 'gamma_accuracy' : r.model === 'i2s' ? 'sound_clf_accuracy' : 'classifier_accuracy';
  const best = ctx.catalog.db
    .prepare("SELECT MAX(value) AS v FROM evaluations WHERE run_id = ? AND kind = ? AND split = 'test' AND instrument = ''")
    .get(r.id, kind) as { v: number | null };
  return best.v;
}

export function runSummary(ctx: StudioContext, r: RunRow): RunSummary {
  return {
    id: r.id,
    model: r.config.model,
    preset: r.preset,
    status: r.status,
    epoch: r.epoch,
    epochs: r.epochs,
    datasetId: r.datasetId,
    datasetName: r.datasetId ? (findDataset(ctx.catalog, r.datasetId)?.name ?? null) : null,
    snapshotId: r.snapshotId,
    encoderRunId: r.encoderRunId,
    evaluatorRunId: r.config.evaluatorRunId,
    backend: r.backend,
    error: r.error,
    createdAt: r.createdAt,
    startedAt: r.startedAt,
    finishedAt: r.finishedAt,
    bestAccuracy: bestAccuracy(ctx, r),
    seed: r.seed,
    tags: r.tags,
    notes: r.notes,
    batchSize: r.config.hyper.batchSize,
    learningRate: r.config.hyper.learningRate,
    representation: r.config.representation,
    wrongPairs: r.config.wrongPairs,
    instrument: r.config.instrument,
    convLayers: r.config.soundConvLayers,
    secondsPerEpoch: secondsPerEpoch(ctx, r.id),
    accuracy: {
      classifier: epochTestAccuracy(ctx, r.id) ?? accuracyOf(ctx, r.id, 'classifier_accuracy'),
      gamma: accuracyOf(ctx, r.id, 'gamma_accuracy'),
      soundClf: accuracyOf(ctx, r.id, 'sound_clf_accuracy'),
    },
    lastEpochMetrics: lastEpochMetrics(ctx, r),
  };
}

type RunsHandlers = Pick<ApiHandlers, 'runs.list' | 'runs.get' | 'runs.launch' | 'runs.preview' | 'runs.annotate' | 'runs.stop' | 'runs.resume' | 'runs.metrics' | 'runs.generate'>;

export const runsHandlers: RunsHandlers = {
  'runs.list': (_input, ctx) => {
    // a run whose worker died while no supervisor of this process watched it shows as interrupted
    reconcileDeadRuns(ctx.catalog, pidIsAlive);
    return listRuns(ctx.catalog).map((r) => runSummary(ctx, r));
  },
  'runs.get': (input, ctx) => {
    const r = getRun(ctx.catalog, input.id);
    const checkpoints = ctx.catalog.db.prepare('SELECT epoch, step, created_at AS createdAt FROM checkpoints WHERE run_id = ? ORDER BY epoch').all(r.id) as Array<{ epoch: number; step: number; createdAt: string }>;
    return { ...runSummary(ctx, r), config: r.config, checkpoints, evaluations: runEvaluations(ctx.catalog, r.id), samples: runSamples(ctx.catalog, r.id), log: readRunLog(ctx.home.runsDir, r.id) };
  },
  'runs.launch': (input, ctx) => {
    const supervisor = supervisorOf(ctx);
    const plan = planRun(ctx.catalog, input);
    announceRuns(ctx, plan.created.map((c) => c.runId));
    supervisor.pump();
    return { targetRunId: plan.targetRunId, runs: plan.created };
  },
  'runs.preview': (input, ctx) => previewRun(ctx.catalog, input),
  'runs.annotate': (input, ctx) => {
    const r = runSummary(ctx, annotateRun(ctx.catalog, input.id, input));
    ctx.events.emit({ type: 'run.updated', runId: r.id, status: r.status, epoch: r.epoch });
    return r;
  },
  'runs.stop': (input, ctx) => runSummary(ctx, supervisorOf(ctx).stop(input.id)),
  'runs.resume': (input, ctx) => runSummary(ctx, supervisorOf(ctx).resume(input.id)),
  'runs.generate': async (input, ctx) => ({ runId: input.id, ...(await generateForPairs(ctx, input.id, input.pairIds, input.seeds, input.epoch)) }),
  'runs.metrics': (input, ctx) => {
    getRun(ctx.catalog, input.id);
    return runMetrics(ctx.catalog, input.id, input.names);
  },
};
