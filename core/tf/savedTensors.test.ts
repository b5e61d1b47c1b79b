// The cheap saved-tensor handles (savedTensors.ts) against the engine's own clone: the same
// gradients, no tensor left behind, and no Identity kernel run for them any more.
import { describe, expect, it } from 'vitest';
import type * as tfjs from '@tensorflow/tfjs';
import { loadTf } from './tfBackend';
import { useCheapSavedTensors } from './savedTensors';

const { tf } = await loadTf();

/** A small conv net's loss and its gradients w.r.t. its two variables (conv + batch norm + custom-gradient op). */
function gradsOnce(w: tfjs.Variable, g: tfjs.Variable): { value: number; grads: number[][] } {
  const x = tf.randomNormal([2, 6, 6, 3], 0, 1, 'float32', 1);
  const out = tf.tidy(() => {
    const square = tf.customGrad((...args: (tfjs.Tensor | tfjs.GradSaveFunc)[]) => {
      const a = args[0] as tfjs.Tensor;
      (args[1] as tfjs.GradSaveFunc)([a]);
      return { value: tf.square(a), gradFunc: (dy: tfjs.Tensor | tfjs.Tensor[], saved: tfjs.Tensor[]) => tf.mul(dy as tfjs.Tensor, tf.mul(saved[0], 2)) };
    });
    const f = () => {
      const y = tf.conv2d(x as tfjs.Tensor4D, w as tfjs.Tensor4D, 1, 'same');
      const { mean, variance } = tf.moments(y, [0, 1, 2]);
      const n = tf.batchNorm(y as tfjs.Tensor4D, mean, variance, tf.zeros([4]), g as tfjs.Tensor1D, 1e-5);
      return tf.mean(square(tf.leakyRelu(n, 0.2)) as tfjs.Tensor) as tfjs.Scalar;
    };
    const r = tf.variableGrads(f, [w, g]);
    return { value: r.value.dataSync()[0], grads: [w, g].map((v) => Array.from(r.grads[v.name].dataSync())) };
  });
  x.dispose();
  return out;
}

describe('cheap saved tensors', () => {
  it('give the same gradients as the engine clone, leave no tensor behind and run no Identity kernel', async () => {
    const w = tf.variable(tf.randomNormal([3, 3, 3, 4], 0, 0.3, 'float32', 2));
    const g = tf.variable(tf.randomNormal([4], 1, 0.1, 'float32', 3));
    const identities = async () => (await tf.profile(() => void gradsOnce(w, g))).kernels.filter((k) => k.name === 'Identity').length;
    try {
      useCheapSavedTensors(tf, false);
      const ref = gradsOnce(w, g);
      const refIdentities = await identities();
      useCheapSavedTensors(tf, true);
      const before = tf.memory().numTensors;
      const ours = gradsOnce(w, g);
      expect(tf.memory().numTensors).toBe(before);
      expect(ours.value).toBe(ref.value);
      expect(ours.grads).toEqual(ref.grads);
      expect(refIdentities).toBeGreaterThan(5); // the engine's clone runs one per saved tensor
      // one Identity is the graph's own (not a saved tensor); the dozens of saved-tensor clones are gone
      expect(await identities()).toBeLessThanOrEqual(1);
    } finally {
      useCheapSavedTensors(tf, false);
      tf.dispose([w, g]);
    }
  });
});
