// The plain triple loop the GEMM kernels are tested against (kernels/gemm.ts's contract); test code only.
import type { Strided } from './runtime';

/** c[cOffset + i·n + j] += Σ_d A(i, d)·B(d, j), one float64 sum per element. */
export function gemmReference(m: number, n: number, k: number, a: Strided, b: Strided, c: Float32Array, cOffset = 0): void {
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let d = 0; d < k; d++) {
        s += a.data[a.offset + i * a.rowStride + d * a.colStride] * b.data[b.offset + d * b.rowStride + j * b.colStride];
      }
      c[cOffset + i * n + j] += s;
    }
  }
}
