// Recycled kernel outputs (kernels/outputArrays.ts, recycledOutputs.ts) on the cpu-fast kernels:
// gradients of a conv net whose activations are large enough to be pooled equal the ones computed
// with fresh outputs, blocks are reused, and a block a live view still reads is not handed out again.
import { afterAll, describe, expect, it } from 'vitest';
import type * as tfjs from '@tensorflow/tfjs';
import { loadTf } from './tfBackend';
import { useCpuKernels } from './cpuGemmKernels';
import { withRecycledOutputs } from './recycledOutputs';
import { drainOutputPool, outputPoolStats, POOLED_MIN_FLOATS } from './kernels/outputArrays';

const { tf } = await loadTf();
const cpuFast = tf.getBackend() === 'cpu' && useCpuKernels(tf, 'gemm');

/** conv 3×3 → batch norm → leaky ReLU → conv 3×3 → mean square, on 2×48×48×32 maps (147,456 floats each: pooled). */
function lossOf(x: tfjs.Tensor4D, w1: tfjs.Variable, w2: tfjs.Variable, offset: tfjs.Tensor1D, scale: tfjs.Tensor1D): tfjs.Scalar {
  const y = tf.conv2d(x, w1 as tfjs.Tensor4D, 1, 'same');
  const { mean, variance } = tf.moments(y, [0, 1, 2]);
  // scale and offset given: the stock batch-norm gradient saves the scale
  const h = tf.leakyRelu(tf.batchNorm(y, mean, variance, offset, scale, 1e-5), 0.2) as tfjs.Tensor4D;
  return tf.mean(tf.square(tf.conv2d(h, w2 as tfjs.Tensor4D, 1, 'same')));
}

/** Three SGD steps; returns the losses and the final weights. */
function train(recycle: boolean): { losses: number[]; weights: number[][] } {
  const x = tf.randomNormal([4, 48, 48, 32], 0, 1, 'float32', 1) as tfjs.Tensor4D;
  const w1 = tf.variable(tf.randomNormal([3, 3, 32, 32], 0, 0.1, 'float32', 2));
  const w2 = tf.variable(tf.randomNormal([3, 3, 32, 32], 0, 0.1, 'float32', 3));
  const offset = tf.zeros([32]) as tfjs.Tensor1D;
  const scale = tf.ones([32]) as tfjs.Tensor1D;
  const opt = tf.train.sgd(0.05);
  const losses: number[] = [];
  const step = () => {
    const loss = opt.minimize(() => lossOf(x, w1, w2, offset, scale), true, [w1, w2]) as tfjs.Scalar;
    losses.push(loss.dataSync()[0]);
    loss.dispose();
  };
  for (let i = 0; i < 3; i++) {
    if (recycle) withRecycledOutputs(tf, step);
    else step();
  }
  const weights = [w1, w2].map((w) => Array.from(w.dataSync()));
  tf.dispose([x, w1, w2, offset, scale]);
  opt.dispose();
  return { losses, weights };
}

describe.runIf(cpuFast)('recycled kernel outputs', () => {
  afterAll(() => drainOutputPool());

  it('give the same losses and weights as fresh outputs, reusing blocks, leaving no more tensors than fresh outputs do', () => {
    expect(4 * 48 * 48 * 32).toBeGreaterThanOrEqual(POOLED_MIN_FLOATS);
    // what a run leaves without recycling (tfjs's optimizer keeps a couple of scalars), for comparison
    let tensors = tf.memory().numTensors;
    const fresh = train(false);
    const leftByStock = tf.memory().numTensors - tensors;
    const before = outputPoolStats();
    tensors = tf.memory().numTensors;
    const recycled = train(true);
    const after = outputPoolStats();
    expect(tf.memory().numTensors - tensors).toBe(leftByStock);
    expect(recycled.losses).toEqual(fresh.losses);
    expect(recycled.weights).toEqual(fresh.weights);
    // the later steps take blocks the earlier ones left
    expect(after.reused - before.reused).toBeGreaterThan(after.fresh - before.fresh);
    expect(after.freeBytes).toBeGreaterThan(0);
  });

  it('does not hand out a block while a view of it is alive', () => {
    const x = tf.randomNormal([4, 48, 48, 32], 0, 1, 'float32', 4) as tfjs.Tensor4D;
    const w = tf.randomNormal([3, 3, 32, 32], 0, 0.1, 'float32', 5) as tfjs.Tensor4D;
    withRecycledOutputs(tf, () => {
      const y = tf.conv2d(x, w, 1, 'same');
      // tfjs's SplitV slices with its own simple-slice path: views on y's block
      const [first, second] = tf.split(y, 2, 0);
      second.dispose();
      const backend = tf.backend() as unknown as { data: { get(id: object): { values: Float32Array } } };
      const yBlock = backend.data.get(y.dataId).values.buffer;
      expect(backend.data.get(first.dataId).values.buffer).toBe(yBlock);
      const kept = first.dataSync().slice();
      y.dispose();
      // the next outputs of y's length must come from other blocks
      const next = [tf.conv2d(x, w, 1, 'same'), tf.conv2d(x, w, 1, 'same')];
      for (const t of next) expect(backend.data.get(t.dataId).values.buffer).not.toBe(yBlock);
      tf.dispose(next);
      expect(Array.from(first.dataSync())).toEqual(Array.from(kept));
      first.dispose();
    });
    tf.dispose([x, w]);
  });

  it('pads into a reused block with zeros (and the constant asked for) around the copy', () => {
    // large enough for the WebAssembly ReLU (smaller ones run a JS loop whose output is not pooled)
    const n = Math.max(POOLED_MIN_FLOATS, 1 << 18) + 64;
    withRecycledOutputs(tf, () => {
      const backend = tf.backend() as unknown as { data: { get(id: object): { values: Float32Array } } };
      for (const value of [0, 7]) {
        // a pooled output of n floats, all 5, left to the pool
        const five = tf.fill([n], 5);
        const filled = tf.relu(five);
        five.dispose();
        const block = backend.data.get(filled.dataId).values.buffer;
        filled.dispose();
        const x = tf.fill([n - 6], -1);
        const padded = tf.pad(x, [[2, 4]], value);
        expect(backend.data.get(padded.dataId).values.buffer).toBe(block); // the same memory, reused
        const v = padded.dataSync();
        expect(Array.from(v.subarray(0, 2))).toEqual([value, value]);
        expect(Array.from(v.subarray(n - 4))).toEqual([value, value, value, value]);
        expect(v.subarray(2, n - 4).every((e) => e === -1)).toBe(true);
        tf.dispose([x, padded]);
      }
    });
  });
});
