// cpu-fast MaxPool / MaxPoolGrad (cpuPoolKernels.ts) against tfjs-backend-cpu's stock kernels:
// forward values and input gradients for 'same' and 'valid' padding, odd sizes (clipped windows),
// overlapping windows (stride 1, 3×3) and NaN / −∞ inputs.
import { afterAll, describe, it } from 'vitest';
import type * as tfjs from '@tensorflow/tfjs';
import { expectClose, stockAndFast } from './kernelTolerance';
import { loadTf } from './tfBackend';
import { useCpuKernels } from './cpuGemmKernels';
import { gemmAvailable } from './kernels/runtime';

const { tf, backend } = await loadTf();
afterAll(() => {
  if (backend === 'cpu-fast') useCpuKernels(tf, 'gemm');
});

const both = (f: () => tfjs.Tensor[]): [Float32Array[], Float32Array[]] => stockAndFast(tf, f);

describe.runIf(tf.getBackend() === 'cpu' && gemmAvailable())('cpu-fast max pooling', () => {
  const cases: Array<{ shape: [number, number, number, number]; size: number; stride: number; pad: 'same' | 'valid' }> = [
    { shape: [3, 12, 10, 5], size: 2, stride: 2, pad: 'same' },
    { shape: [2, 11, 7, 3], size: 2, stride: 2, pad: 'same' },
    { shape: [2, 11, 7, 3], size: 2, stride: 2, pad: 'valid' },
    { shape: [2, 9, 8, 4], size: 3, stride: 1, pad: 'same' },
    { shape: [1, 10, 10, 2], size: 3, stride: 2, pad: 'valid' },
  ];
  for (const c of cases) {
    it(`matches the stock kernels: ${c.shape.join('×')}, ${c.size}×${c.size} /${c.stride} ${c.pad}`, () => {
      const [stock, ours] = both(() => {
        // few distinct values so that ties occur; a NaN and a −∞ inside
        const values = tf.round(tf.randomUniform(c.shape, 0, 6, 'float32', 7)).dataSync() as Float32Array;
        values[3] = Number.NaN;
        values[10] = Number.NEGATIVE_INFINITY;
        const x = tf.tensor4d(values, c.shape);
        const dy = tf.randomNormal(tf.maxPool(x, c.size, c.stride, c.pad).shape, 0, 1, 'float32', 9);
        const grad = tf.grad((t: tfjs.Tensor) => tf.sum(tf.mul(tf.maxPool(t as tfjs.Tensor4D, c.size, c.stride, c.pad), dy)))(x);
        return [tf.maxPool(x, c.size, c.stride, c.pad), grad];
      });
      expectClose(ours[0], stock[0], 'MaxPool');
      expectClose(ours[1], stock[1], 'MaxPoolGrad');
    });
  }
});
