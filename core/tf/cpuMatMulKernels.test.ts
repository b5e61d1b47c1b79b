// cpu-fast BatchMatMul / _FusedMatMul (cpuMatMulKernels.ts) against tfjs-backend-cpu's stock kernels:
// every transpose, batched and broadcast batch dimensions, odd sizes (partial 4-row and 8-column
// panels), bias with each handled activation, the fall-through cases (PReLU, int32), and the
// gradients of a fused dense layer (which run BatchMatMul with transposes).
import { afterAll, describe, expect, it } from 'vitest';
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

const rand = (shape: number[], seed: number): tfjs.Tensor => tf.randomNormal(shape, 0, 1, 'float32', seed);

describe.runIf(tf.getBackend() === 'cpu' && gemmAvailable())('cpu-fast matrix products', () => {
  const cases: Array<{ a: number[]; b: number[]; ta: boolean; tb: boolean }> = [
    { a: [8, 128], b: [128, 64], ta: false, tb: false },
    { a: [8, 64], b: [128, 64], ta: false, tb: true },
    { a: [8, 128], b: [8, 64], ta: true, tb: false },
    { a: [13, 7], b: [11, 13], ta: true, tb: true },
    { a: [3, 5, 9], b: [3, 9, 10], ta: false, tb: false },
    { a: [2, 3, 6, 5], b: [2, 3, 7, 5], ta: false, tb: true },
    { a: [4, 5, 9], b: [9, 6], ta: false, tb: false },
    { a: [1, 9, 5], b: [3, 9, 6], ta: true, tb: false },
    { a: [1, 1], b: [1, 1], ta: false, tb: false },
  ];
  for (const c of cases) {
    it(`matMul ${c.a.join('×')}${c.ta ? 'ᵀ' : ''} · ${c.b.join('×')}${c.tb ? 'ᵀ' : ''} matches the stock kernel`, () => {
      const [stock, ours] = both(() => [tf.matMul(rand(c.a, 1), rand(c.b, 2), c.ta, c.tb)]);
      expect(ours[0].length).toBe(stock[0].length);
      expectClose(ours[0], stock[0], 'BatchMatMul');
    });
  }

  for (const activation of ['linear', 'relu', 'leakyrelu', 'prelu'] as const) {
    it(`fused matMul + bias + ${activation} and its gradients match the stock kernels`, () => {
      const [stock, ours] = both(() => {
        const x = rand([6, 19], 3);
        const w = rand([19, 10], 4);
        const bias = rand([10], 5);
        const alpha = activation === 'prelu' ? tf.fill([10], 0.1) : undefined;
        const f = (xx: tfjs.Tensor, ww: tfjs.Tensor, bb: tfjs.Tensor): tfjs.Tensor =>
          tf.fused.matMul({ a: xx as tfjs.Tensor2D, b: ww as tfjs.Tensor2D, bias: bb, activation, preluActivationWeights: alpha, leakyreluAlpha: 0.3 });
        const dy = rand([6, 10], 6);
        const grads = tf.grads((xx: tfjs.Tensor, ww: tfjs.Tensor, bb: tfjs.Tensor) => tf.sum(tf.mul(f(xx, ww, bb), dy)))([x, w, bias]);
        return [f(x, w, bias), ...grads];
      });
      ours.forEach((v, i) => expectClose(v, stock[i], `output ${i}`));
    });
  }

  it('an int32 product falls through to the stock kernel', () => {
    const [stock, ours] = both(() => [tf.cast(tf.matMul(tf.tensor2d([1, 2, 3, 4], [2, 2], 'int32'), tf.tensor2d([5, 6, 7, 8], [2, 2], 'int32')), 'float32')]);
    expect(Array.from(ours[0])).toEqual([19, 22, 43, 50]);
    expect(Array.from(ours[0])).toEqual(Array.from(stock[0]));
  });
});
