// Float32 matrix product for the studio's CPU kernels: C (m×n, dense row-major) += A (m×k) · B (k×n),
// A and B read through strides so transposes cost nothing extra. The operands are packed into
// panels (A: 4 rows, B: 8 columns, zero-padded) in the kernels' shared memory, where the SIMD
// micro-kernel (gemm.wat) keeps a 4×8 tile of C in registers; large products are split by column
// panels between this thread and the helper (runtime.ts). tfjs-backend-cpu's own matmul/conv loops
// run scalar JS; this is several times faster on one core.
import { runWasm, type Strided, wasmRegions, worthSplitting } from './runtime';
import type { KernelArgs } from './signatures';

/** Depth of the K blocks, and A panels per block: a K-slice of B and an MC×KC block of A stay in cache. */
const KC = 256;
const MC_PANELS = 16;

/**
 * Packs rows [0, m) × depth [0, k) of A into 4-row panels at dst (floats). Depth outermost: the
 * panel is written in order, and a transposed A (row stride 1) is read 4 consecutive floats at a time.
 */
function packA(dst: Float32Array, a: Strided, m: number, k: number): void {
  const { data, offset, rowStride: rs, colStride: cs } = a;
  const panels = Math.ceil(m / 4);
  for (let p = 0; p < panels; p++) {
    const base = p * k * 4;
    const rows = Math.min(4, m - p * 4);
    const row0 = offset + p * 4 * rs;
    if (rows === 4) {
      for (let d = 0, src = row0, o = base; d < k; d++, src += cs, o += 4) {
        dst[o] = data[src];
        dst[o + 1] = data[src + rs];
        dst[o + 2] = data[src + 2 * rs];
        dst[o + 3] = data[src + 3 * rs];
      }
      continue;
    }
    for (let d = 0, src = row0, o = base; d < k; d++, src += cs, o += 4) {
      for (let r = 0; r < 4; r++) dst[o + r] = r < rows ? data[src + r * rs] : 0;
    }
  }
}

/**
 * Packs depth [0, k) × columns [0, n) of B into 8-column panels at dst (floats). Depth outermost: the
 * panel is written in order, and a row-major B (column stride 1) is read 8 consecutive floats at a time.
 */
function packB(dst: Float32Array, b: Strided, k: number, n: number): void {
  const { data, offset, rowStride: rs, colStride: cs } = b;
  const panels = Math.ceil(n / 8);
  for (let q = 0; q < panels; q++) {
    const base = q * k * 8;
    const cols = Math.min(8, n - q * 8);
    const col0 = offset + q * 8 * cs;
    if (cols === 8) {
      for (let d = 0, src = col0, o = base; d < k; d++, src += rs, o += 8) {
        for (let c = 0, s = src; c < 8; c++, s += cs) dst[o + c] = data[s];
      }
      continue;
    }
    for (let d = 0, src = col0, o = base; d < k; d++, src += rs, o += 8) {
      for (let c = 0; c < 8; c++) dst[o + c] = c < cols ? data[src + c * cs] : 0;
    }
  }
}

/**
 * c[cOffset + i·n + j] += Σ_d A(i, d)·B(d, j) for i < m, j < n (float32 accumulation in 4-lane
 * SIMD registers, summed per K block of 256).
 */
export function gemm(m: number, n: number, k: number, a: Strided, b: Strided, c: Float32Array, cOffset = 0): void {
  if (m === 0 || n === 0 || k === 0) return;
  const mp = Math.ceil(m / 4);
  const np = Math.ceil(n / 8);
  const aFloats = mp * 4 * k;
  const bFloats = np * 8 * k;
  const cStride = np * 8;
  const cFloats = mp * 4 * cStride;
  // A, B and C regions from byte 0 (each a whole number of 4-float groups, so back to back)
  const { f32: heap, at: [ap, bp, cp] } = wasmRegions([aFloats, bFloats, cFloats]);
  packA(heap.subarray(ap, ap + aFloats), a, m, k);
  packB(heap.subarray(bp, bp + bFloats), b, k, n);
  heap.fill(0, cp, cp + cFloats);
  const args = (jp0: number, jp1: number): KernelArgs<'gemm'> => ({ ap: ap * 4, bp: bp * 4, cp: cp * 4, mp, np, K: k, kc: KC, mc: MC_PANELS, jp0, jp1 });
  // large products: the helper takes the first half of the column panels, this thread the rest
  const split = np >= 2 && worthSplitting(m * n * k) ? np >> 1 : 0;
  runWasm('gemm', args(split, np), split > 0 ? args(0, split) : undefined);
  for (let i = 0; i < m; i++) {
    const src = cp + i * cStride;
    const dst = cOffset + i * n;
    for (let j = 0; j < n; j++) c[dst + j] += heap[src + j];
  }
}
