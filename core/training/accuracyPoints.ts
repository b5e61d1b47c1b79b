// Accuracy of predicted class indices against labels, as evaluation rows: one overall row
// (instrument '') and one row per instrument present in the split. Used by training (every few
// epochs) and by on-demand evaluation (core/evaluation/evaluateRun).
import type * as tfjs from '@tensorflow/tfjs';
import type { EvaluationPoint } from '../runs/runsRepo';
import type { Tf } from '../tf/tfBackend';

export function perInstrumentAccuracy(
  classes: string[],
  labels: readonly number[],
  predicted: ArrayLike<number>,
  base: Omit<EvaluationPoint, 'instrument' | 'value' | 'n'>,
): EvaluationPoint[] {
  const points: EvaluationPoint[] = [];
  const total = labels.length;
  const correct = labels.reduce((n, l, i) => n + (predicted[i] === l ? 1 : 0), 0);
  points.push({ ...base, instrument: '', value: total ? correct / total : 0, n: total });
  classes.forEach((name, c) => {
    const idx = labels.map((l, i) => (l === c ? i : -1)).filter((i) => i >= 0);
    if (!idx.length) return;
    const ok = idx.filter((i) => predicted[i] === c).length;
    points.push({ ...base, instrument: name, value: ok / idx.length, n: idx.length });
  });
  return points;
}

export function argmaxOf(tf: Tf, logits: tfjs.Tensor): Int32Array {
  const t = tf.argMax(logits, -1);
  const v = t.dataSync() as Int32Array;
  t.dispose();
  return v;
}
