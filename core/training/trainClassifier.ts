// Trains an encoder classifier (the sound classifier of §3.3, or Γ of §3.4) on in-memory tensors with
// softmax cross-entropy and Adam, shuffling with the seeded RNG, and reports held-out accuracy.
import type * as tfjs from '@tensorflow/tfjs';
import type { Tf } from '../tf/tfBackend';
import { classifierEpoch, type EpochData } from './classifierEpoch';
import { createRng } from '../rng';
import { adamOptimizer } from '../tf/fusedAdam';

/** (N, H, W, C) inputs in memory (`x`) or read in batches (`batch`), and N integer class labels. */
export type ClassifierData = EpochData;

export interface TrainClassifierOptions {
  epochs: number;
  batchSize: number;
  numClasses: number;
  /** Adam learning rate (the paper does not give the classifiers'; 1e-3 is Adam's default). */
  learningRate?: number;
  seed?: number;
  test?: ClassifierData;
  onEpoch?: (epoch: number, loss: number) => void;
}

export interface TrainClassifierResult {
  trainAccuracy: number;
  testAccuracy: number | null;
  losses: number[];
}

/** Fraction of items whose arg-max logit equals the label. */
export function accuracy(tf: Tf, model: tfjs.LayersModel, data: ClassifierData, batchSize = 64): number {
  const n = data.labels.length;
  let correct = 0;
  for (let start = 0; start < n; start += batchSize) {
    const size = Math.min(batchSize, n - start);
    const predicted = tf.tidy(() => {
      const xb = data.batch ? data.batch(Array.from({ length: size }, (_, i) => start + i)) : data.x.slice(start, size);
      return (model.predict(xb) as tfjs.Tensor).argMax(-1);
    });
    const values = predicted.dataSync();
    predicted.dispose();
    for (let i = 0; i < size; i++) if (values[i] === data.labels[start + i]) correct++;
  }
  return n === 0 ? 0 : correct / n;
}

export async function trainClassifier(
  tf: Tf, model: tfjs.LayersModel, train: ClassifierData, opts: TrainClassifierOptions,
): Promise<TrainClassifierResult> {
  const rng = createRng(opts.seed ?? 1);
  const optimizer = adamOptimizer(tf, opts.learningRate ?? 1e-3);
  const losses: number[] = [];
  try {
    for (let epoch = 0; epoch < opts.epochs; epoch++) {
      losses.push(classifierEpoch(tf, model, optimizer, train, { batchSize: opts.batchSize, numClasses: opts.numClasses, rng }));
      opts.onEpoch?.(epoch, losses[losses.length - 1]);
    }
  } finally {
    optimizer.dispose();
  }
  return {
    trainAccuracy: accuracy(tf, model, train),
    testAccuracy: opts.test ? accuracy(tf, model, opts.test) : null,
    losses,
  };
}
