// What the kernel tests share (test-only; imported by the *.test.ts files of this folder): the
// tolerance they hold the studio's cpu-fast kernels to against tfjs's stock kernels (float32,
// different summation order): |ours − stock| ≤ 1e-4·(1 + max|stock|) per tensor; and running the
// same computation under both kernel sets.
import { expect } from 'vitest';
import type * as tfjs from '@tensorflow/tfjs';
import type { Tf } from './tfTypes';
import { useCpuKernels, type CpuKernelMode } from './cpuGemmKernels';

export function expectClose(ours: ArrayLike<number>, ref: ArrayLike<number>, what: string): void {
  expect(ours.length, what).toBe(ref.length);
  let scale = 0;
  let err = 0;
  for (let i = 0; i < ref.length; i++) {
    scale = Math.max(scale, Math.abs(ref[i]));
    err = Math.max(err, Math.abs(ours[i] - ref[i]));
  }
  expect(err, `${what}: max |Δ| ${err} (scale ${scale})`).toBeLessThanOrEqual(1e-4 * (1 + scale));
}

/** Runs f under the stock kernels, then under cpu-fast ('gemm'): [stock values, cpu-fast values]. */
export function stockAndFast(tf: Tf, f: () => tfjs.Tensor[]): [Float32Array[], Float32Array[]] {
  const run = (mode: CpuKernelMode): Float32Array[] => {
    expect(useCpuKernels(tf, mode)).toBe(true);
    return tf.tidy(() => f()).map((t) => {
      const v = Float32Array.from(t.dataSync());
      t.dispose();
      return v;
    });
  };
  return [run('stock'), run('gemm')];
}
