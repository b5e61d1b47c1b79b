// The element loops of the fused batch-norm and leaky-ReLU kernels (cpuNormKernels.ts) in
// WebAssembly SIMD (norm.wat: bn_stats, bn_gsums, bn_affine, bn_dx; activation.wat: lrelu, lrelu_grad, relu), with the
// rows split between this thread and the GEMM helper thread. On the paper I2S step these loops ran
// at ~10 ns per element in JavaScript, mostly branch mispredictions on the sign of x; here they are
// branch-free, four lanes wide and on two threads, at the cost of copying the operands into the
// shared memory and the result out. Per-channel sums stay in float64 and the per-channel
// coefficients are computed by the callers, so the arithmetic is the JS version's.
import { runWasm, wasmRegions, worthSplittingLoop, type Values } from './runtime';
import type { KernelArgs } from './signatures';
import { copiedOutput } from './outputArrays';

/** Below this many elements the JS loops are used (copying and the thread handoff would dominate). */
export const NORM_WASM_MIN_ELEMENTS = 1 << 15;

/** Whether the WebAssembly loops take an (n × c) float32 matrix of `len` elements. */
export const normWasmTakes = (len: number, c: number): boolean => len >= NORM_WASM_MIN_ELEMENTS && c % 4 === 0 && len % c === 0;

/** An element of these loops costs about as much as this many multiply-adds of the GEMM (for splitting). */
const SPLIT_WEIGHT = 4;

/** Adds the helper thread's per-channel float64 sums (at f64 index b) to this thread's (at a). */
function addSums(f64: Float64Array, a: number, b: number, c: number): Float64Array {
  return Float64Array.from({ length: c }, (_, j) => f64[a + j] + f64[b + j]);
}

/** The kernels that take a row range [r0, r1) last. */
type RowKernel = 'bn_stats' | 'bn_gsums' | 'bn_affine' | 'bn_dx' | 'lrelu' | 'lrelu_grad' | 'relu';
type Fixed<K extends RowKernel> = Omit<KernelArgs<K>, 'r0' | 'r1'>;

/** Runs a row-range kernel on rows [half, rows) here and [0, half) on the helper (large inputs only). */
function splitRows<K extends RowKernel>(kernel: K, fixed: Fixed<K>, rows: number, helperFixed: Fixed<K> = fixed, elements = rows): void {
  const half = worthSplittingLoop(elements * SPLIT_WEIGHT) ? rows >> 1 : 0;
  const at = (f: Fixed<K>, r0: number, r1: number) => ({ ...f, r0, r1 }) as KernelArgs<K>;
  runWasm(kernel, at(fixed, half, rows), half > 0 ? at(helperFixed, 0, half) : undefined);
}

/** Σ_rows (x − shift) and Σ_rows (x − shift)² per channel, shift = the first row (float64). */
export function channelShiftedSums(x: Values, c: number): { shift: Float64Array; s1: Float64Array; s2: Float64Array } {
  const rows = x.length / c;
  // x, shift, then sums for this thread and for the helper (f64 = 2 floats each).
  const { f32, f64, at: [xo, sh, s1a, s2a, s1b, s2b] } = wasmRegions([x.length, 2 * c, 2 * c, 2 * c, 2 * c, 2 * c]);
  f32.set(x, xo);
  const shift = Float64Array.from(x.subarray(0, c));
  f64.set(shift, sh / 2);
  f64.fill(0, s1a / 2, (s2b + 2 * c) / 2);
  splitRows('bn_stats', { x: xo * 4, shift: sh * 4, s1: s1a * 4, s2: s2a * 4, c }, rows, { x: xo * 4, shift: sh * 4, s1: s1b * 4, s2: s2b * 4, c }, x.length);
  return { shift, s1: addSums(f64, s1a / 2, s1b / 2, c), s2: addSums(f64, s2a / 2, s2b / 2, c) };
}

/** y = (x − mean[j])·a[j] + b[j] over the channels of an (n × c) matrix (float32 arithmetic). */
export function channelAffine(x: Values, mean: Float32Array, a: Float32Array, b: Float32Array, c: number): Float32Array {
  const rows = x.length / c;
  const { f32, at: [xo, yo, mo, ao, bo] } = wasmRegions([x.length, x.length, c, c, c]);
  f32.set(x, xo);
  f32.set(mean, mo);
  f32.set(a, ao);
  f32.set(b, bo);
  splitRows('bn_affine', { x: xo * 4, y: yo * 4, mean: mo * 4, a: ao * 4, b: bo * 4, c }, rows, undefined, x.length);
  return copiedOutput(f32, yo, x.length);
}

/** Σ_rows dy and Σ_rows dy·(x − mean[j]) per channel (float64). */
export function channelGradSums(dy: Values, x: Values, mean: Values, c: number): { s1: Float64Array; s2: Float64Array } {
  const rows = x.length / c;
  const { f32, f64, at: [dyo, xo, mo, s1a, s2a, s1b, s2b] } = wasmRegions([dy.length, x.length, 2 * c, 2 * c, 2 * c, 2 * c, 2 * c]);
  f32.set(dy, dyo);
  f32.set(x, xo);
  f64.set(mean, mo / 2);
  f64.fill(0, s1a / 2, (s2b + 2 * c) / 2);
  splitRows('bn_gsums', { dy: dyo * 4, x: xo * 4, mean: mo * 4, s1: s1a * 4, s2: s2a * 4, c }, rows, { dy: dyo * 4, x: xo * 4, mean: mo * 4, s1: s1b * 4, s2: s2b * 4, c }, x.length);
  return { s1: addSums(f64, s1a / 2, s1b / 2, c), s2: addSums(f64, s2a / 2, s2b / 2, c) };
}

/** dx = a[j]·dy − e[j] − b[j]·(x − mean[j]) (float32 arithmetic). */
export function channelGradCombine(dy: Values, x: Values, mean: Values, a: Float32Array, e: Float32Array, b: Float32Array, c: number): Float32Array {
  const rows = x.length / c;
  const { f32, at: [dyo, xo, dxo, mo, ao, eo, bo] } = wasmRegions([dy.length, x.length, x.length, c, c, c, c]);
  f32.set(dy, dyo);
  f32.set(x, xo);
  f32.set(mean, mo);
  f32.set(a, ao);
  f32.set(e, eo);
  f32.set(b, bo);
  splitRows('bn_dx', { dy: dyo * 4, x: xo * 4, dx: dxo * 4, mean: mo * 4, a: ao * 4, e: eo * 4, b: bo * 4, c }, rows, undefined, x.length);
  return copiedOutput(f32, dxo, x.length);
}

const f32Bits = (v: number): number => new Int32Array(Float32Array.of(v).buffer)[0];

/** An element-wise kernel over the 4-float groups of equally long inputs, writing one output; `place` names the addresses (inputs, then the output). */
function elementwise<K extends 'lrelu' | 'relu' | 'lrelu_grad'>(kernel: K, inputs: Values[], place: (addresses: number[]) => Fixed<K>): Float32Array {
  const len = inputs[0].length;
  const { f32, at } = wasmRegions([...inputs.map((t) => t.length), len]);
  inputs.forEach((t, i) => f32.set(t, at[i]));
  const out = at[inputs.length];
  splitRows(kernel, place(at.map((o) => o * 4)), len / 4, undefined, len);
  return copiedOutput(f32, out, len);
}

/** x > 0 ? x : x·alpha (alpha rounded to float32); `len` a multiple of 4. */
export const leakyReluWasm = (x: Values, alpha: number): Float32Array => elementwise('lrelu', [x], ([xa, y]) => ({ x: xa, y, alpha: f32Bits(alpha) }));

/** max(x, 0) as Math.max(0, x) (tfjs's Relu); `len` a multiple of 4. */
export const reluWasm = (x: Values): Float32Array => elementwise('relu', [x], ([xa, y]) => ({ x: xa, y }));

/** x > 0 ? dy : dy·alpha (alpha rounded to float32); `len` a multiple of 4. */
export const leakyReluGradWasm = (dy: Values, x: Values, alpha: number): Float32Array =>
  elementwise('lrelu_grad', [dy, x], ([dya, xa, dx]) => ({ dy: dya, x: xa, dx, alpha: f32Bits(alpha) }));
