// Bias-free linear convolutions of tfjs-layers (plainLinearConv.ts): the same outputs and gradients
// as the stock fused op, and no filter gradient when only the input's gradient is asked for.
import { afterAll, describe, expect, it } from 'vitest';
import type * as tfjs from '@tensorflow/tfjs';
import { loadTf } from './tfBackend';
import { useCpuKernels } from './cpuGemmKernels';
import { usePlainLinearConv } from './plainLinearConv';

const { tf } = await loadTf();
const cpuFast = tf.getBackend() === 'cpu' && useCpuKernels(tf, 'gemm');

/** Two conv layers (no bias, as the GAN layers), a leaky ReLU between them. */
function model(): tfjs.LayersModel {
  const input = tf.input({ shape: [8, 8, 8] });
  let h = tf.layers.conv2d({ filters: 8, kernelSize: 3, padding: 'same', useBias: false, kernelInitializer: tf.initializers.randomNormal({ seed: 1 }) }).apply(input) as tfjs.SymbolicTensor;
  h = tf.layers.leakyReLU({ alpha: 0.2 }).apply(h) as tfjs.SymbolicTensor;
  h = tf.layers.conv2d({ filters: 4, kernelSize: 4, strides: 2, padding: 'same', useBias: false, kernelInitializer: tf.initializers.randomNormal({ seed: 2 }) }).apply(h) as tfjs.SymbolicTensor;
  return tf.model({ inputs: input, outputs: h });
}

/** The input's gradient and all weights' gradients of mean(model(x)²), and the filter-gradient kernels an input-only gradient runs. */
async function grads(m: tfjs.LayersModel, x: tfjs.Tensor): Promise<{ dx: number[]; dw: number[][]; filterKernels: number }> {
  const loss = (t: tfjs.Tensor) => tf.mean(tf.square(m.apply(t, { training: true }) as tfjs.Tensor)) as tfjs.Scalar;
  let dx: number[] = [];
  const info = await tf.profile(() => {
    const g = tf.grad(loss)(x);
    dx = Array.from(g.dataSync());
    g.dispose();
  });
  const vars = m.trainableWeights.map((w) => w.read() as tfjs.Variable);
  const { value, grads: g } = tf.variableGrads(() => loss(x), vars);
  const dw = vars.map((v) => Array.from(g[v.name].dataSync()));
  tf.dispose([value, ...Object.values(g)]);
  return { dx, dw, filterKernels: info.kernels.filter((k) => k.name === 'Conv2DBackpropFilter').length };
}

describe.runIf(cpuFast)('plain linear convolutions', () => {
  afterAll(() => usePlainLinearConv(tf, true));

  it('give the stock fused op\'s gradients and skip the filter gradients nobody asked for', async () => {
    const m = model();
    const x = tf.randomNormal([2, 8, 8, 8], 0, 1, 'float32', 3);
    usePlainLinearConv(tf, false);
    const stock = await grads(m, x);
    usePlainLinearConv(tf, true);
    const plain = await grads(m, x);
    expect(stock.filterKernels).toBe(2);
    expect(plain.filterKernels).toBe(0);
    expect(plain.dx).toEqual(stock.dx);
    expect(plain.dw).toEqual(stock.dw);
    tf.dispose(x);
    m.dispose();
  });
});
