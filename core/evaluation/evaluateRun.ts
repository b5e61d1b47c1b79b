// On-demand evaluation of a run at one of its checkpoints (§5): the same code path as the evaluation
// training does every few epochs (the run's trainer, restored from the checkpoint, scores it), so a
// re-evaluation at an epoch reproduces training's rows (same seeded noise). Rows are stored in
// `evaluations` (replacing any of the same run, epoch, kind, split and instrument):
//   - S2I-C / S2I-N / S2I-A: gamma_accuracy — Γ on images generated for every pair (§5.2.2, Table 5)
//   - sound-clf / image-clf: classifier_accuracy — on real data of the run's snapshot (Table 1)
//   - I2S: sound_clf_accuracy on generated LMS, and sound_clf_real_accuracy — the same classifier on
//     the real LMS of the same pairs (§5.4: 11.17 % generated vs 80 % real)
import type { StudioContext } from '../studio/context';
import { AvError } from '../errors';
import { addEvaluations, getRun, type EvaluationPoint } from '../runs/runsRepo';
import { argmaxOf, perInstrumentAccuracy } from '../training/accuracyPoints';
import { predictFrom } from '../training/encoders';
import { range } from '../training/packedStore';
import { openRunTrainer } from '../training/openRun';
import { loadTf } from '../tf/tfBackend';
import { lmsTensor } from '../training/trainingData';

/** Evaluation kinds written to the catalog, by what they measure. */
export const EVALUATION_KINDS = {
  gamma: 'gamma_accuracy',
  classifier: 'classifier_accuracy',
  i2sGenerated: 'sound_clf_accuracy',
  i2sReal: 'sound_clf_real_accuracy',
} as const;

export interface CheckpointRef {
  epoch: number;
  path: string;
}

export function checkpointAt(ctx: StudioContext, runId: number, epoch?: number): CheckpointRef {
  const run = getRun(ctx.catalog, runId);
  const rows = ctx.catalog.db.prepare('SELECT epoch, path FROM checkpoints WHERE run_id = ? ORDER BY epoch').all(runId) as CheckpointRef[];
  if (!rows.length) throw new AvError('not_found', `run ${runId} (${run.config.model}, ${run.status}) has no checkpoint yet: train it first`);
  if (epoch === undefined) return rows[rows.length - 1];
  const hit = rows.find((r) => r.epoch === epoch);
  if (!hit) throw new AvError('not_found', `run ${runId} has no checkpoint of epoch ${epoch} (it has epochs ${rows.map((r) => r.epoch).join(', ')})`);
  return hit;
}

export interface EvaluationResult {
  runId: number;
  model: string;
  epoch: number;
  evaluations: EvaluationPoint[];
}

export async function evaluateRun(ctx: StudioContext, runId: number, opts: { epoch?: number } = {}): Promise<EvaluationResult> {
  const run = getRun(ctx.catalog, runId);
  const model = run.config.model;
  if (model === 'autoencoder') throw new AvError('bad_request', `run ${runId} is an autoencoder: it has no accuracy to evaluate (its S2I-A run does, §5.1)`);
  if ((model.startsWith('s2i') || model === 'i2s') && !run.config.evaluatorRunId) {
    throw new AvError('bad_request', `run ${runId} (${model}) has no evaluator run to score its output (${model === 'i2s' ? 'a sound classifier' : 'Γ, an image classifier'})`);
  }
  const ckpt = checkpointAt(ctx, runId, opts.epoch);
  const { tf } = await loadTf();
  const opened = await openRunTrainer(ctx, runId, tf);
  try {
    await opened.trainer.restore(ckpt.path);
    const points = opened.trainer.evaluate(ckpt.epoch);
    const evaluator = opened.evaluator;
    if (model === 'i2s' && evaluator?.classifier && evaluator.input.kind === 'sound') {
      // the evaluator on the real LMS of the same pairs, next to its accuracy on generated LMS
      for (const split of ['train', 'test'] as const) {
        const sd = opened.data[split];
        if (!sd.labels.length) continue;
        const shape = evaluator.input.shape;
        const logits = predictFrom(tf, evaluator.classifier, sd.labels.length, (s, size) => lmsTensor(tf, sd.lms(range(s, size)), shape));
        const predicted = argmaxOf(tf, logits);
        logits.dispose();
        const mapped = Array.from(predicted, (p) => opened.data.classes.indexOf(evaluator.classes[p]));
        points.push(...perInstrumentAccuracy(opened.data.classes, sd.labels, mapped, { epoch: ckpt.epoch, kind: EVALUATION_KINDS.i2sReal, split, evaluatorRunId: evaluator.run.id }));
      }
    }
    if (!points.length) throw new AvError('conflict', `run ${runId} (${model}) produced no evaluation rows at epoch ${ckpt.epoch}`);
    addEvaluations(ctx.catalog, runId, points);
    return { runId, model, epoch: ckpt.epoch, evaluations: points };
  } finally {
    opened.dispose();
  }
}
