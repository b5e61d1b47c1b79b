// The element loops of the fused batch-norm and leaky-ReLU kernels (cpuNormKernels.ts) in
// WebAssembly SIMD (gemm.wat: bn_stats, bn_gsums, bn_affine, bn_dx, lrelu, lrelu_grad, relu), with the
// rows split between this thread and the GEMM helper thread. On the paper I2S step these loops ran
// at ~10 ns per element in JavaScript, mostly branch mispredictions on the sign of x; here they are
// branch-free, four lanes wide and on two threads, at the cost of copying the operands into the
// shared memory and the result out. Per-channel sums stay in float64 and the per-channel
// coefficients are computed by the callers, so the arithmetic is the JS version's.
import { runWasm, wasmHeap, worthSplitting, type Values } from './gemm';

/** Below this many elements the JS loops are used (copying and the thread handoff would dominate). */
export const NORM_WASM_MIN_ELEMENTS = 1 << 15;

/** Whether the WebAssembly loops take an (n × c) float32 matrix of `len` elements. */
export const normWasmTakes = (len: number, c: number): boolean => len >= NORM_WASM_MIN_ELEMENTS && c % 4 === 0 && len % c === 0;

const up4 = (n: number): number => Math.ceil(n / 4) * 4;
/** An element of these loops costs about as much as this many multiply-adds of the GEMM (for splitting). */
const SPLIT_WEIGHT = 4;

/** Float offsets of consecutive regions (each 16-byte aligned), in the order of `sizes`. */
function regions(sizes: number[]): { at: number[]; total: number } {
  const at: number[] = [];
  let o = 0;
  for (const s of sizes) {
    at.push(o);
    o += up4(s);
  }
  return { at, total: o };
}

/** Runs a row-range kernel on rows [half, rows) here and [0, half) on the helper (large inputs only). */
function splitRows(kernel: Parameters<typeof runWasm>[0], fixed: number[], rows: number, helperFixed = fixed, elements = rows): void {
  const half = worthSplitting(elements * SPLIT_WEIGHT) ? rows >> 1 : 0;
  runWasm(kernel, [...fixed, half, rows], half > 0 ? [...helperFixed, 0, half] : undefined);
}

/** Σ_rows (x − shift) and Σ_rows (x − shift)² per channel, shift = the first row (float64). */
export function channelShiftedSums(x: Values, c: number): { shift: Float64Array; s1: Float64Array; s2: Float64Array } {
  const rows = x.length / c;
  // x, shift, then sums for this thread and for the helper (f64 = 2 floats each).
  const { at: [xo, sh, s1a, s2a, s1b, s2b], total } = regions([x.length, 2 * c, 2 * c, 2 * c, 2 * c, 2 * c]);
  const heap = wasmHeap(total * 4);
  heap.f32.set(x, xo);
  const f64 = new Float64Array(heap.f32.buffer);
  const shift = new Float64Array(c);
  for (let j = 0; j < c; j++) shift[j] = x[j];
  f64.set(shift, sh / 2);
  f64.fill(0, s1a / 2, (s2b + 2 * c) / 2);
  splitRows('bn_stats', [xo * 4, sh * 4, s1a * 4, s2a * 4, c], rows, [xo * 4, sh * 4, s1b * 4, s2b * 4, c], x.length);
  const s1 = new Float64Array(c);
  const s2 = new Float64Array(c);
  for (let j = 0; j < c; j++) {
    s1[j] = f64[s1a / 2 + j] + f64[s1b / 2 + j];
    s2[j] = f64[s2a / 2 + j] + f64[s2b / 2 + j];
  }
  return { shift, s1, s2 };
}

/** y = (x − mean[j])·a[j] + b[j] over the channels of an (n × c) matrix (float32 arithmetic). */
export function channelAffine(x: Values, mean: Float32Array, a: Float32Array, b: Float32Array, c: number): Float32Array {
  const rows = x.length / c;
  const { at: [xo, yo, mo, ao, bo], total } = regions([x.length, x.length, c, c, c]);
  const heap = wasmHeap(total * 4);
  heap.f32.set(x, xo);
  heap.f32.set(mean, mo);
  heap.f32.set(a, ao);
  heap.f32.set(b, bo);
  splitRows('bn_affine', [xo * 4, yo * 4, mo * 4, ao * 4, bo * 4, c], rows, undefined, x.length);
  return heap.f32.slice(yo, yo + x.length);
}

/** Σ_rows dy and Σ_rows dy·(x − mean[j]) per channel (float64). */
export function channelGradSums(dy: Values, x: Values, mean: Values, c: number): { s1: Float64Array; s2: Float64Array } {
  const rows = x.length / c;
  const { at: [dyo, xo, mo, s1a, s2a, s1b, s2b], total } = regions([dy.length, x.length, 2 * c, 2 * c, 2 * c, 2 * c, 2 * c]);
  const heap = wasmHeap(total * 4);
  heap.f32.set(dy, dyo);
  heap.f32.set(x, xo);
  const f64 = new Float64Array(heap.f32.buffer);
  for (let j = 0; j < c; j++) f64[mo / 2 + j] = mean[j];
  f64.fill(0, s1a / 2, (s2b + 2 * c) / 2);
  splitRows('bn_gsums', [dyo * 4, xo * 4, mo * 4, s1a * 4, s2a * 4, c], rows, [dyo * 4, xo * 4, mo * 4, s1b * 4, s2b * 4, c], x.length);
  const s1 = new Float64Array(c);
  const s2 = new Float64Array(c);
  for (let j = 0; j < c; j++) {
    s1[j] = f64[s1a / 2 + j] + f64[s1b / 2 + j];
    s2[j] = f64[s2a / 2 + j] + f64[s2b / 2 + j];
  }
  return { s1, s2 };
}

/** dx = a[j]·dy − e[j] − b[j]·(x − mean[j]) (float32 arithmetic). */
export function channelGradCombine(dy: Values, x: Values, mean: Values, a: Float32Array, e: Float32Array, b: Float32Array, c: number): Float32Array {
  const rows = x.length / c;
  const { at: [dyo, xo, dxo, mo, ao, eo, bo], total } = regions([dy.length, x.length, x.length, c, c, c, c]);
  const heap = wasmHeap(total * 4);
  heap.f32.set(dy, dyo);
  heap.f32.set(x, xo);
  heap.f32.set(mean, mo);
  heap.f32.set(a, ao);
  heap.f32.set(e, eo);
  heap.f32.set(b, bo);
  splitRows('bn_dx', [dyo * 4, xo * 4, dxo * 4, mo * 4, ao * 4, eo * 4, bo * 4, c], rows, undefined, x.length);
  return heap.f32.slice(dxo, dxo + x.length);
}

const f32Bits = (v: number): number => new Int32Array(Float32Array.of(v).buffer)[0];

/** x > 0 ? x : x·alpha (alpha rounded to float32); `len` a multiple of 4. */
export function leakyReluWasm(x: Values, alpha: number): Float32Array {
  const { at: [xo, yo], total } = regions([x.length, x.length]);
  const heap = wasmHeap(total * 4);
  heap.f32.set(x, xo);
  splitRows('lrelu', [xo * 4, yo * 4, f32Bits(alpha)], x.length / 4, undefined, x.length);
  return heap.f32.slice(yo, yo + x.length);
}

/** max(x, 0) as Math.max(0, x) (tfjs's Relu); `len` a multiple of 4. */
export function reluWasm(x: Values): Float32Array {
  const { at: [xo, yo], total } = regions([x.length, x.length]);
  const heap = wasmHeap(total * 4);
  heap.f32.set(x, xo);
  splitRows('relu', [xo * 4, yo * 4], x.length / 4, undefined, x.length);
  return heap.f32.slice(yo, yo + x.length);
}

/** x > 0 ? dy : dy·alpha (alpha rounded to float32); `len` a multiple of 4. */
export function leakyReluGradWasm(dy: Values, x: Values, alpha: number): Float32Array {
  const { at: [dyo, xo, dxo], total } = regions([dy.length, x.length, x.length]);
  const heap = wasmHeap(total * 4);
  heap.f32.set(dy, dyo);
  heap.f32.set(x, xo);
  splitRows('lrelu_grad', [dyo * 4, xo * 4, dxo * 4, f32Bits(alpha)], x.length / 4, undefined, x.length);
  return heap.f32.slice(dxo, dxo + x.length);
}
