// Seeded initialisers and the batch-norm settings shared by the model builders. Every initialiser
// gets its own seed drawn from one run-level RNG, so a seed reproduces a model's starting weights.
import type * as tfjs from '@tensorflow/tfjs';
import type { Tf } from '../tf/tfBackend';

type Initializer = ReturnType<Tf['initializers']['randomNormal']>;
import { createRng, type Rng } from '../rng';

/** PyTorch's BatchNorm2d defaults (momentum 0.1 ⇒ tfjs momentum 0.9, eps 1e-5), as in the torch reference. */
export const BATCH_NORM_MOMENTUM = 0.9;
export const BATCH_NORM_EPSILON = 1e-5;

export interface LayerInit {
  /** DCGAN / GAN-CLS: weights ~ N(0, std). */
  gan: () => Initializer;
  /** DCGAN: BN γ ~ N(1, std). */
  gamma: () => Initializer;
  /** Classifier layers: Glorot uniform (the tfjs / Keras default), seeded. */
  glorot: () => Initializer;
  /** A seed for a layer that draws randomness itself (dropout). */
  seed: () => number;
}

export function layerInit(tf: Tf, std: number, seedOrRng: number | Rng): LayerInit {
  const rng = typeof seedOrRng === 'number' ? createRng(seedOrRng) : seedOrRng;
  return {
    gan: () => tf.initializers.randomNormal({ mean: 0, stddev: std, seed: rng.seed() }),
    gamma: () => tf.initializers.randomNormal({ mean: 1, stddev: std, seed: rng.seed() }),
    glorot: () => tf.initializers.glorotUniform({ seed: rng.seed() }),
    seed: () => rng.seed(),
  };
}

/**
 * tfjs's Dropout draws its mask from the seed it was built with, so a fixed seed gives the same mask
 * at every step. Training calls `reseed` before each step with a seed drawn from the run's RNG (a
 * fresh, reproducible mask per step); `restore` puts the construction seeds back, so a saved
 * model.json does not depend on where training stopped.
 */
export function dropoutSeeder(model: tfjs.LayersModel): { reseed(seed: number): void; restore(): void } {
  const layers = model.layers.filter((l) => l.getClassName() === 'Dropout') as unknown as Array<{ seed?: number }>;
  const original = layers.map((l) => l.seed);
  return {
    reseed(seed) {
      layers.forEach((l, k) => {
        l.seed = (seed + 7919 * k) % 0x7fffffff;
      });
    },
    restore() {
      layers.forEach((l, k) => {
        l.seed = original[k];
      });
    },
  };
}

/** Applies a layer to a symbolic tensor (tfjs's `apply` returns a union type). */
export function sym(layer: tfjs.layers.Layer, input: tfjs.SymbolicTensor | tfjs.SymbolicTensor[]): tfjs.SymbolicTensor {
  return layer.apply(input) as tfjs.SymbolicTensor;
}
