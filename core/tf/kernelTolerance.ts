// The tolerance the kernel tests hold the studio's cpu-fast kernels to against tfjs's stock kernels
// (float32, different summation order): |ours − stock| ≤ 1e-4·(1 + max|stock|) per tensor.
// Test-only; imported by the *.test.ts files of this folder.
import { expect } from 'vitest';

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
