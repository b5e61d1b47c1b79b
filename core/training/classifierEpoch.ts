// One epoch of softmax cross-entropy training for an encoder classifier (the sound classifier of
// §3.3 or Γ of §3.4), with a caller-owned optimiser and RNG so a run can checkpoint between epochs
// and resume with the same Adam state and the same shuffles.
import type * as tfjs from '@tensorflow/tfjs';
import type { Tf } from '../tf/tfBackend';
import type { Rng } from '../rng';
import { dropoutSeeder } from '../models/layerInit';

/**
 * A classifier's inputs: in memory as one (N, H, W, C) tensor, or read batch by batch — `batch`
 * returns the (B, H, W, C) inputs of the items at `indices` (called inside a tidy; the tensor is
 * disposed after use), so a large snapshot is never one tensor (training streams from the pack).
 */
export type EpochData = { labels: readonly number[] } & ({ x: tfjs.Tensor; batch?: undefined } | { x?: undefined; batch: (indices: number[]) => tfjs.Tensor });

/** The inputs of the items at `indices` (call inside a tidy). */
export function inputsOf(tf: Tf, data: EpochData, indices: number[]): tfjs.Tensor {
  return data.batch ? data.batch(indices) : tf.gather(data.x, tf.tensor1d(indices, 'int32'));
}

export function classifierEpoch(
  tf: Tf,
  model: tfjs.LayersModel,
  optimizer: tfjs.Optimizer,
  data: EpochData,
  opts: { batchSize: number; numClasses: number; rng: Rng; onBatch?: (batch: number, loss: number) => void },
): number {
  const variables = model.trainableWeights.map((w) => w.read() as tfjs.Variable);
  const n = data.labels.length;
  const order = opts.rng.shuffle(Array.from({ length: n }, (_, i) => i));
  const labels = tf.tensor1d(data.labels as number[], 'int32');
  let sum = 0;
  let batches = 0;
  const dropout = dropoutSeeder(model);
  try {
    for (let start = 0; start < n; start += opts.batchSize) {
      const idx = order.slice(start, start + opts.batchSize);
      // a new dropout mask each step, drawn from the epoch's RNG (same run seed → same masks)
      dropout.reseed(opts.rng.seed());
      const loss = tf.tidy(() => {
        const indices = tf.tensor1d(idx, 'int32');
        const xb = inputsOf(tf, data, idx);
        const yb = tf.oneHot(tf.gather(labels, indices), opts.numClasses);
        return optimizer.minimize(() => {
          const logits = model.apply(xb, { training: true }) as tfjs.Tensor;
          const ce = tf.losses.softmaxCrossEntropy(yb, logits) as tfjs.Scalar;
          // layer regularisers (L2 0.015 on the sound classifier's FC layers, §3.3)
          const penalties = model.calculateLosses();
          return penalties.length > 0 ? (tf.addN([ce, ...penalties]) as tfjs.Scalar) : ce;
        }, true, variables) as tfjs.Scalar;
      });
      const value = loss.dataSync()[0];
      loss.dispose();
      sum += value;
      opts.onBatch?.(batches, value);
      batches++;
    }
  } finally {
    dropout.restore();
    labels.dispose();
  }
  return sum / Math.max(batches, 1);
}
