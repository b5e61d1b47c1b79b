// The one-pass Adam (fusedAdam.ts) against tfjs's AdamOptimizer on the same variables and gradients:
// weights and moments within float32 rounding after several steps, the same state layout (names,
// order, iteration count) so a checkpoint of one restores into the other, and no tensors leaked.
import { describe, expect, it } from 'vitest';
import type * as tfjs from '@tensorflow/tfjs';
import { loadTf } from './tfBackend';
import { adamOptimizer } from './fusedAdam';
import { createRng } from '../rng';

const { tf } = await loadTf();

function values(n: number, seed: number, scale = 1): Float32Array {
  const rng = createRng(seed);
  return Float32Array.from({ length: n }, () => (rng.next() * 2 - 1) * scale);
}

/** Two variables of the given shapes, trained `steps` steps by `opt` on fixed pseudo-random gradients. */
function train(opt: tfjs.Optimizer, tag: string, steps: number): { w: Float32Array[]; vars: tfjs.Variable[] } {
  const shapes = [[3, 3, 4, 8], [8]];
  const vars = shapes.map((s, k) => tf.variable(tf.tensor(values(s.reduce((a, b) => a * b, 1), 10 + k), s), true, `${tag}_w${k}`));
  for (let step = 0; step < steps; step++) {
    tf.tidy(() => {
      opt.applyGradients(vars.map((v, k) => ({ name: v.name, tensor: tf.tensor(values(v.size, 100 * step + k, step % 2 ? 1e-3 : 2), v.shape) })));
    });
  }
  return { w: vars.map((v) => v.dataSync() as Float32Array), vars };
}

function maxRelDiff(a: Float32Array, b: Float32Array): number {
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]) / Math.max(1e-3, Math.abs(b[i])));
  return worst;
}

describe('fused Adam', () => {
  it('follows tfjs Adam within float32 rounding and keeps its state layout', async () => {
    expect(tf.getBackend()).toBe('cpu');
    const before = tf.memory().numTensors;
    const stockOpt = tf.train.adam(2e-4, 0.5, 0.999);
    const fusedOpt = adamOptimizer(tf, 2e-4, 0.5, 0.999);
    const stock = train(stockOpt, 'stock', 6);
    const fused = train(fusedOpt, 'fused', 6);
    for (let k = 0; k < stock.w.length; k++) expect(maxRelDiff(fused.w[k], stock.w[k])).toBeLessThan(1e-5);
    // the weights did move (a test of an update that does nothing would pass the line above)
    expect(maxRelDiff(fused.w[0], values(fused.w[0].length, 10))).toBeGreaterThan(1e-4);

    const [sw, fw] = [await stockOpt.getWeights(), await fusedOpt.getWeights()];
    expect(fw.map((w) => w.name.replace('fused', 'stock'))).toEqual(sw.map((w) => w.name));
    expect(fw[0].tensor.dataSync()[0]).toBe(6); // iterations
    for (let k = 1; k < sw.length; k++) expect(maxRelDiff(fw[k].tensor.dataSync() as Float32Array, sw[k].tensor.dataSync() as Float32Array)).toBeLessThan(1e-4);

    // the β^t accumulators advanced as tfjs's do
    const acc = (o: tfjs.Optimizer) => (o as unknown as { accBeta1: tfjs.Variable }).accBeta1.dataSync()[0];
    expect(acc(fusedOpt)).toBeCloseTo(acc(stockOpt), 7);

    // one step allocates no lasting tensors beyond the moments made on the first step
    const settled = tf.memory().numTensors;
    train(fusedOpt, 'fused2', 0); // two fresh variables
    const n2 = tf.memory().numTensors;
    tf.tidy(() => fusedOpt.applyGradients(fused.vars.map((v) => ({ name: v.name, tensor: tf.onesLike(v) }))));
    expect(tf.memory().numTensors).toBe(n2);
    expect(settled).toBeGreaterThan(before);
    for (const v of [...stock.vars, ...fused.vars]) v.dispose();
    stockOpt.dispose();
    fusedOpt.dispose();
  });

  it('resumes from saved state exactly as an uninterrupted run', async () => {
    const whole = adamOptimizer(tf, 1e-3);
    const a = train(whole, 'whole', 5);
    const first = adamOptimizer(tf, 1e-3);
    const b = train(first, 'part', 3);
    const saved = await first.getWeights();
    const second = adamOptimizer(tf, 1e-3);
    await second.setWeights(saved.map((w) => ({ name: w.name, tensor: w.tensor.clone() })));
    // tfjs recomputes β^t as pow(β, t+1) on restore; checkpointIO puts the saved running product back
    const s = second as unknown as { accBeta1: tfjs.Variable; accBeta2: tfjs.Variable };
    const f = first as unknown as { accBeta1: tfjs.Variable; accBeta2: tfjs.Variable };
    s.accBeta1.assign(f.accBeta1.clone());
    s.accBeta2.assign(f.accBeta2.clone());
    for (let step = 3; step < 5; step++) {
      tf.tidy(() => {
        second.applyGradients(b.vars.map((v, k) => ({ name: v.name, tensor: tf.tensor(values(v.size, 100 * step + k, step % 2 ? 1e-3 : 2), v.shape) })));
      });
    }
    for (let k = 0; k < a.vars.length; k++) expect(Array.from(b.vars[k].dataSync())).toEqual(Array.from(a.vars[k].dataSync()));
  });
});
