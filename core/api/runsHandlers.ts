// The runs part of the API: thin over core/runs. Launching, stopping and resuming need the door's
// run supervisor (ctx.supervisor); a door without one refuses them clearly.
import { findDataset } from '../catalog/datasetsRepo';
import { AvError } from '../errors';
import { planRun, previewRun } from '../runs/planRun';
import { generateForPairs } from '../training/generate';
import { annotateRun, getRun, listRuns, runEvaluations, runMetrics, runSamples, type RunRow } from '../runs/runsRepo';
import { announceRuns, type RunSupervisor } from '../runs/supervisor';
import type { StudioContext } from './context';
import type { ApiHandlers } from './dispatch';
import type { RunSummary } from './runsContract';

function supervisorOf(ctx: StudioContext): RunSupervisor {
  if (!ctx.supervisor) throw new AvError('unsupported', 'this studio process cannot run training workers');
  return ctx.supervisor;
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
  };
}

type RunsHandlers = Pick<ApiHandlers, 'runs.list' | 'runs.get' | 'runs.launch' | 'runs.preview' | 'runs.annotate' | 'runs.stop' | 'runs.resume' | 'runs.metrics' | 'runs.generate'>;

export const runsHandlers: RunsHandlers = {
  'runs.list': (_input, ctx) => listRuns(ctx.catalog).map((r) => runSummary(ctx, r)),
  'runs.get': (input, ctx) => {
    const r = getRun(ctx.catalog, input.id);
    const checkpoints = ctx.catalog.db.prepare('SELECT epoch, step, created_at AS createdAt FROM checkpoints WHERE run_id = ? ORDER BY epoch').all(r.id) as Array<{ epoch: number; step: number; createdAt: string }>;
    return { ...runSummary(ctx, r), config: r.config, checkpoints, evaluations: runEvaluations(ctx.catalog, r.id), samples: runSamples(ctx.catalog, r.id) };
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
