// Training runs from the command line: train, runs, run show, stop, resume. `train` and `resume`
// work the queue in the foreground (one worker process per run) and print each epoch as it lands.
import type { Command } from 'commander';
import type { StudioContext } from '../../core/studio/context';
import { runSummary } from '../../core/api/runsHandlers';
import { PRESET_VALUES, REPRESENTATION_VALUES } from '../../core/contract/runsContract';
import { AvError } from '../../core/errors';
import { MODEL_KINDS, type ModelKind } from '../../core/runs/runConfig';
import { planRun } from '../../core/runs/planRun';
import { getRun, lastCheckpoint, listRuns, reconcileDeadRuns, runEvaluations, runMetrics, RUN_STATUSES, type RunRow, type RunStatus } from '../../core/runs/runsRepo';
import { announceRuns, pidIsAlive, RunSupervisor } from '../../core/studio/supervisor';
import type { WorkerMessage } from '../../core/contract/workerMessages';
import { generateForPairs } from '../../core/training/generate';
import { nodeWorkerLauncher } from '../../workers/launch';
import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { action, emit, textTable } from '../output';
import { addHomeOption, withStudio } from '../studio';

function int(name: string, v: string | undefined, min = 0): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new AvError('bad_request', `--${name} must be an integer ≥ ${min}, got "${v}"`);
  return n;
}

function fmt(metrics: Record<string, number | null>): string {
  return Object.entries(metrics)
    .filter(([, v]) => v !== null)
    .map(([k, v]) => `${k} ${(v as number).toFixed(4)}`)
    .join('  ');
}

function printer(json: boolean | undefined) {
  return (m: WorkerMessage): void => {
    if (json) return;
    const out = (s: string) => process.stderr.write(`${s}\n`);
    if (m.type === 'started') out(`run ${m.runId}: started on ${m.backend} (${m.package}), pid ${m.pid}${m.epoch ? `, resuming after epoch ${m.epoch}` : ''}`);
    else if (m.type === 'epoch') out(`run ${m.runId}: epoch ${m.epoch}  ${fmt(m.metrics)}  ${m.itemsPerSecond.toFixed(1)} items/s  ${m.seconds.toFixed(1)} s`);
    else if (m.type === 'log') out(`run ${m.runId}: ${m.level === 'warn' ? 'warning: ' : ''}${m.message}`);
    else if (m.type === 'finished') out(`run ${m.runId}: ${m.status} after epoch ${m.epoch}`);
    else if (m.type === 'failed') out(`run ${m.runId}: failed: ${m.message}`);
  };
}

/**
 * Works the queue in this process until `runId` is settled; Ctrl+C asks the worker to stop cleanly.
 * `before` runs on the same supervisor first (resume queues the run there): a worker started by one
 * supervisor is only ever awaited on that one — waiting on another left the top-level await
 * unsettled when the worker exited (exit code 13, nothing printed).
 */
async function runInForeground(ctx: StudioContext, runId: number, json: boolean | undefined, before?: (s: RunSupervisor) => void, only: number[] = [runId]): Promise<RunRow> {
  // this process claims only the runs it queued; a serving studio may claim them first (one queue):
  // then their epochs arrive here through the change feed and the wait ends all the same
  const supervisor = new RunSupervisor(ctx, nodeWorkerLauncher, { only });
  supervisor.onMessage(printer(json));
  before?.(supervisor);
  const onSignal = () => {
    process.stderr.write('stopping: the current epoch is dropped, the last checkpoint kept (resume with `avstudio resume`)\n');
    // the run may be training in another studio process (one queue): ask it through the catalog
    const active = supervisor.activeRunId ?? runId;
    try {
      supervisor.stop(active);
    } catch {
      // it settled meanwhile
    }
  };
  process.once('SIGINT', onSignal);
  try {
    supervisor.pump();
    return await supervisor.waitFor(runId);
  } finally {
    process.off('SIGINT', onSignal);
  }
}

export function registerRuns(program: Command): void {
  const train = program
    .command('train')
    .description('train a model on a dataset (S2I runs queue the encoder and Γ runs they need first)')
    .requiredOption('--model <kind>', `one of ${MODEL_KINDS.join(', ')}`)
    .requiredOption('--dataset <name|id>', 'the dataset (a snapshot of its current curation is frozen for the run)')
    .option('--preset <preset>', 'paper (full size), small (64×64, narrow layers: minutes on a CPU) or tiny (seconds)', 'paper')
    .option('--epochs <n>', 'epochs (default: 200 at paper, 20 at small, 3 at tiny)')
    .option('--seed <n>', 'seed of initialisation, shuffles and wrong pairs', '1')
    .option('--snapshot <id>', 'train on this existing snapshot instead of a new one')
    .option('--encoder <run>', 'the encoder run giving the condition (default: newest finished one, or train one first)')
    .option('--evaluator <run>', 'the classifier run that scores generated output (default: as --encoder)')
    .option('--encoder-epochs <n>', 'epochs of encoder/evaluator runs queued on the way')
    .option('--wrong-pairs <mode>', 'instrument (other instruments, §3.2) or pose (same instrument, one model per instrument)', 'instrument')
    .option('--instrument <code>', 'the instrument of a pose-oriented model')
    .option('--conv-layers <n>', 'sound classifier depth: 3 or 4 (Table 1)', '4')
    .option('--representation <rep>', `sound-classifier input: ${REPRESENTATION_VALUES.join(', ')} (Table 1; default lms)`)
    .option('--batch-size <n>', 'override the preset batch size')
    .option('--keep-checkpoints <k>', 'keep only the last K epoch checkpoints and the best one (default: every epoch\'s)')
    .option('--detach', 'only queue the runs (a studio that is serving picks them up)')
    .option('--json', 'print the runs as JSON');
  addHomeOption(train).action(
    action(async (o: Record<string, string | boolean | undefined>) => {
      const model = o.model as ModelKind;
      if (!MODEL_KINDS.includes(model)) throw new AvError('bad_request', `--model must be one of ${MODEL_KINDS.join(', ')}, got "${model}"`);
      if (!(PRESET_VALUES as readonly unknown[]).includes(o.preset)) throw new AvError('bad_request', `--preset must be ${PRESET_VALUES.join(', ')}, got "${String(o.preset)}"`);
      if (o.wrongPairs !== 'instrument' && o.wrongPairs !== 'pose') throw new AvError('bad_request', `--wrong-pairs must be instrument or pose`);
      const conv = int('conv-layers', o.convLayers as string);
      if (conv !== 3 && conv !== 4) throw new AvError('bad_request', '--conv-layers must be 3 or 4');
      const representation = o.representation as string | undefined;
      if (representation !== undefined && !(REPRESENTATION_VALUES as readonly string[]).includes(representation)) {
        throw new AvError('bad_request', `--representation must be one of ${REPRESENTATION_VALUES.join(', ')}, got "${representation}"`);
      }
      await withStudio(o as { home?: string }, async (ctx) => {
        const plan = planRun(ctx.catalog, {
          model,
          dataset: o.dataset as string,
          preset: o.preset as (typeof PRESET_VALUES)[number],
          epochs: int('epochs', o.epochs as string, 1),
          seed: int('seed', o.seed as string),
          snapshotId: int('snapshot', o.snapshot as string, 1),
          encoderRunId: int('encoder', o.encoder as string, 1),
          evaluatorRunId: int('evaluator', o.evaluator as string, 1),
          encoderEpochs: int('encoder-epochs', o.encoderEpochs as string, 1),
          wrongPairs: o.wrongPairs as 'instrument' | 'pose',
          instrument: o.instrument as string | undefined,
          soundConvLayers: conv,
          representation: representation as (typeof REPRESENTATION_VALUES)[number] | undefined,
          batchSize: int('batch-size', o.batchSize as string, 2),
          keepCheckpoints: int('keep-checkpoints', o.keepCheckpoints as string, 1),
        });
        if (!o.json) for (const c of plan.created) process.stderr.write(`queued run ${c.runId} (${c.model}): ${c.reason}\n`);
        announceRuns(ctx, plan.created.map((c) => c.runId)); // every open studio shows them; a serving one picks them up
        if (!o.detach) await runInForeground(ctx, plan.targetRunId, o.json as boolean, undefined, plan.created.map((c) => c.runId));
        const runs = plan.runIds.map((id) => runSummary(ctx, getRun(ctx.catalog, id)));
        emit({ targetRunId: plan.targetRunId, runs }, o, (d) => textTable(['run', 'model', 'status', 'epoch', 'error'], d.runs.map((r) => [r.id, r.model, r.status, `${r.epoch}/${r.epochs}`, r.error ?? ''])));
        const target = getRun(ctx.catalog, plan.targetRunId);
        if (!o.detach && target.status !== 'done') process.exitCode = 1;
      });
    }),
  );

  const runs = program
    .command('runs')
    .description('list training runs')
    .option('--status <status>', `only runs with this status (${RUN_STATUSES.join(', ')})`)
    .option('--model <kind>', 'only runs of this model')
    .option('--json', 'print as JSON');
  addHomeOption(runs).action(
    action(async (o: { status?: string; model?: string; home?: string; json?: boolean }) => {
      if (o.status && !RUN_STATUSES.includes(o.status as RunStatus)) throw new AvError('bad_request', `--status must be one of ${RUN_STATUSES.join(', ')}`);
      await withStudio(o, (ctx) => {
        // a run whose worker died (kill -9, crash) while no studio watched it is shown interrupted
        reconcileDeadRuns(ctx.catalog, pidIsAlive);
        const rows = listRuns(ctx.catalog, { status: o.status as RunStatus | undefined, model: o.model }).map((r) => runSummary(ctx, r));
        emit(rows, o, (d) =>
          d.length === 0
            ? 'No runs yet. Start one with: avstudio train --model s2i-c --dataset demo --preset tiny'
            : textTable(['id', 'model', 'preset', 'status', 'epoch', 'dataset', 'encoder', 'backend', 'started'], d.map((r) => [r.id, r.model, r.preset, r.status, `${r.epoch}/${r.epochs}`, r.datasetId ?? '', r.encoderRunId ?? '', r.backend ?? '', r.startedAt ?? ''])),
        );
      });
    }),
  );

  const run = program.command('run').description('inspect one run');
  const show = run.command('show <id>').description('a run: config, status, checkpoints, last metrics, evaluations').option('--json', 'print as JSON');
  addHomeOption(show).action(
    action(async (id: string, o: { home?: string; json?: boolean }) => {
      await withStudio(o, (ctx) => {
        reconcileDeadRuns(ctx.catalog, pidIsAlive);
        const r = getRun(ctx.catalog, int('id', id, 1) as number);
        const metrics = runMetrics(ctx.catalog, r.id).filter((m) => m.name.startsWith('epoch/'));
        const lastEpoch = metrics.filter((m) => m.epoch === r.epoch);
        const data = {
          ...runSummary(ctx, r),
          config: r.config,
          lastCheckpoint: lastCheckpoint(ctx.catalog, r.id),
          lastEpochMetrics: Object.fromEntries(lastEpoch.map((m) => [m.name.slice(6), m.value])),
          evaluations: runEvaluations(ctx.catalog, r.id),
        };
        emit(data, o, (d) =>
          [
            `run ${d.id}: ${d.model} (${d.preset}) — ${d.status}, epoch ${d.epoch}/${d.epochs}${d.error ? ` — ${d.error}` : ''}`,
            `dataset ${d.datasetId}, snapshot ${d.snapshotId}, encoder run ${d.encoderRunId ?? '—'}, evaluator run ${d.evaluatorRunId ?? '—'}, backend ${d.backend ?? '—'}`,
            `last checkpoint: ${d.lastCheckpoint ? `epoch ${d.lastCheckpoint.epoch} at ${d.lastCheckpoint.path}` : 'none'}`,
            `last epoch: ${fmt(d.lastEpochMetrics) || '—'}`,
            d.evaluations.length ? textTable(['epoch', 'kind', 'split', 'instrument', 'value', 'n'], d.evaluations.map((e) => [e.epoch, e.kind, e.split, e.instrument || 'all', e.value.toFixed(4), e.n])) : 'evaluations: none yet',
          ].join('\n'),
        );
      });
    }),
  );

  const stop = program.command('stop <id>').description('ask a queued or running run to stop (it keeps its last checkpoint)').option('--json', 'print as JSON');
  addHomeOption(stop).action(
    action(async (id: string, o: { home?: string; json?: boolean }) => {
      await withStudio(o, (ctx) => {
        const r = new RunSupervisor(ctx, nodeWorkerLauncher, { follow: false }).stop(int('id', id, 1) as number);
        emit(runSummary(ctx, r), o, (d) => `run ${d.id}: ${d.status}${d.status === 'stopping' ? ' (its worker stops after the current step)' : ''}`);
      });
    }),
  );

  const resume = program.command('resume <id>').description('resume a stopped or interrupted run from its last checkpoint').option('--json', 'print as JSON');
  addHomeOption(resume).action(
    action(async (id: string, o: { home?: string; json?: boolean }) => {
      await withStudio(o, async (ctx) => {
        const runId = int('id', id, 1) as number;
        await runInForeground(ctx, runId, o.json, (supervisor) => supervisor.resume(runId));
        const r = getRun(ctx.catalog, runId);
        emit(runSummary(ctx, r), o, (d) => `run ${d.id}: ${d.status}, epoch ${d.epoch}/${d.epochs}${d.error ? ` — ${d.error}` : ''}`);
        if (r.status !== 'done') process.exitCode = 1;
      });
    }),
  );

  const generate = program
    .command('generate <run>')
    .description('generate images (S2I) or LMS (I2S) from a trained run for given pairs and seeds')
    .requiredOption('--pairs <ids>', 'comma-separated pair ids whose sound (S2I) or image (I2S) is the condition')
    .option('--seeds <list>', 'comma-separated noise seeds', '1')
    .option('--epoch <n>', 'the checkpoint epoch (default: the last)')
    .option('--out <dir>', 'also copy the PNGs into this folder as pair<id>_seed<s>.png')
    .option('--json', 'print as JSON');
  addHomeOption(generate).action(
    action(async (runArg: string, o: { pairs: string; seeds: string; epoch?: string; out?: string; home?: string; json?: boolean }) => {
      const list = (name: string, v: string) => v.split(',').map((x) => int(name, x.trim(), 0) as number);
      await withStudio(o, async (ctx) => {
        const r = await generateForPairs(ctx, int('run', runArg, 1) as number, list('pairs', o.pairs), list('seeds', o.seeds), int('epoch', o.epoch, 1));
        const items = r.items.map((it) => {
          let file: string | null = null;
          if (o.out) {
            mkdirSync(o.out, { recursive: true });
            file = join(o.out, `pair${it.pairId}_seed${it.seed}.png`);
            copyFileSync(ctx.blobs.find(it.hash) as string, file);
          }
          return { ...it, file };
        });
        emit({ epoch: r.epoch, items }, o, (d) =>
          textTable(['pair', 'seed', 'predicted', 'confidence', 'file'], d.items.map((it) => [it.pairId, it.seed, it.predicted?.instrument ?? '—', it.predicted ? it.predicted.confidence.toFixed(3) : '—', it.file ?? it.hash])),
        );
      });
    }),
  );
}
