// BatchMatMul and _FusedMatMul for the pure-JS 'cpu' backend, part of 'cpu-fast': the dense layers
// (G's projection of [z, embedding], D's projection of the embedding) and their gradients. Stock
// tfjs-backend-cpu runs these as a scalar JS triple loop that V8 leaves slow at these sizes: an
// 8×128 · 128×64 product took 0.37–0.58 ms in the S2I tiny step, 13 of them per step (5 forward,
// 8 gradient), about a fifth of the step. Here each batch item is one product of the WebAssembly
// GEMM (kernels/gemm.ts; transposes are strides, nothing is copied), bias and activation applied
// in one pass over the output. Shapes or options outside what is handled here (batch dimensions
// that broadcast other than all-or-one, PReLU or other activations, non-float32) fall through to
// the stock kernel.
import { gemm } from './kernels/gemm';
import { filledOutput } from './kernels/outputArrays';
import { shapeSize, valuesOf, type CpuBackendLike, type KernelFunc, type TensorInfoLike } from './cpuKernelTypes';


interface Product {
  /** batch items of the output, of A and of B (A or B may have one, shared by every item) */
  batch: number;
  batchA: number;
  batchB: number;
  m: number;
  n: number;
  k: number;
  outShape: number[];
}

/** The product's dimensions, or null when its batch dimensions need a general broadcast. */
function productOf(a: TensorInfoLike, b: TensorInfoLike, transposeA: boolean, transposeB: boolean): Product | null {
  const ra = a.shape.length;
  const rb = b.shape.length;
  if (ra < 2 || rb < 2) return null;
  const m = transposeA ? a.shape[ra - 1] : a.shape[ra - 2];
  const k = transposeA ? a.shape[ra - 2] : a.shape[ra - 1];
  const kb = transposeB ? b.shape[rb - 1] : b.shape[rb - 2];
  const n = transposeB ? b.shape[rb - 2] : b.shape[rb - 1];
  if (k !== kb) return null;
  const outerA = a.shape.slice(0, -2);
  const outerB = b.shape.slice(0, -2);
  const batchA = shapeSize(outerA);
  const batchB = shapeSize(outerB);
  const sameOuter = outerA.length === outerB.length && outerA.every((d, i) => d === outerB[i]);
  // same leading shape, or one side a single matrix (of any rank whose leading dims are all 1)
  let outer: number[];
  if (sameOuter) outer = outerA;
  else if (batchB === 1 && outerB.length <= outerA.length) outer = outerA;
  else if (batchA === 1 && outerA.length <= outerB.length) outer = outerB;
  else return null;
  return { batch: shapeSize(outer), batchA, batchB, m, n, k, outShape: [...outer, m, n] };
}

/** C[item] = A[item]·B[item] (transposes as strides), every item of the batch, into a new output. */
function multiply(a: Float32Array, b: Float32Array, p: Product, transposeA: boolean, transposeB: boolean): Float32Array {
  const { batch, batchA, batchB, m, n, k } = p;
  const out = filledOutput(batch * m * n, 0);
  for (let t = 0; t < batch; t++) {
    const offA = (batchA === 1 ? 0 : t) * m * k;
    const offB = (batchB === 1 ? 0 : t) * k * n;
    gemm(m, n, k,
      { data: a, offset: offA, rowStride: transposeA ? 1 : k, colStride: transposeA ? m : 1 },
      { data: b, offset: offB, rowStride: transposeB ? 1 : n, colStride: transposeB ? k : 1 },
      out, t * m * n);
  }
  return out;
}

const transposes = (attrs: Record<string, unknown>): [boolean, boolean] => [attrs.transposeA === true, attrs.transposeB === true];

function batchMatMulKernel(fallback: KernelFunc): KernelFunc {
  return (args) => {
    const { a, b } = args.inputs;
    if (!a || !b || a.dtype !== 'float32' || b.dtype !== 'float32') return fallback(args);
    const [ta, tb] = transposes(args.attrs ?? {});
    const p = productOf(a, b, ta, tb);
    if (!p) return fallback(args);
    const backend = args.backend as CpuBackendLike;
    const out = multiply(valuesOf(backend, a) as Float32Array, valuesOf(backend, b) as Float32Array, p, ta, tb);
    return backend.makeTensorInfo(p.outShape, 'float32', out);
  };
}

type Activation = 'linear' | 'relu' | 'leakyrelu';
const ACTIVATIONS = new Set<string>(['linear', 'relu', 'leakyrelu']);

/** out = act(out + bias) in place; bias (n values, or none) repeats along the last axis. */
export function biasAndActivation(out: Float32Array, n: number, bias: Float32Array | null, activation: Activation, alpha: number): void {
  const len = out.length;
  if (bias) {
    for (let o = 0; o < len; o += n) {
      for (let j = 0; j < n; j++) out[o + j] += bias[j];
    }
  }
  if (activation === 'relu') {
    for (let i = 0; i < len; i++) if (out[i] < 0) out[i] = 0;
  } else if (activation === 'leakyrelu') {
    for (let i = 0; i < len; i++) if (out[i] < 0) out[i] *= alpha;
  }
}

function fusedMatMulKernel(fallback: KernelFunc): KernelFunc {
  return (args) => {
    const { a, b, bias, preluActivationWeights } = args.inputs;
    const attrs = args.attrs ?? {};
    const activation = (attrs.activation as string | undefined) ?? 'linear';
    if (!a || !b || a.dtype !== 'float32' || b.dtype !== 'float32' || preluActivationWeights || !ACTIVATIONS.has(activation)) return fallback(args);
    const [ta, tb] = transposes(attrs);
    const p = productOf(a, b, ta, tb);
    // bias: n values along the last axis (a dense layer's), anything else broadcasts the stock way
    if (!p || (bias && (bias.dtype !== 'float32' || shapeSize(bias.shape) !== p.n || bias.shape[bias.shape.length - 1] !== p.n))) return fallback(args);
    const backend = args.backend as CpuBackendLike;
    const out = multiply(valuesOf(backend, a) as Float32Array, valuesOf(backend, b) as Float32Array, p, ta, tb);
    const biasValues = bias ? (valuesOf(backend, bias) as Float32Array) : null;
    biasAndActivation(out, p.n, biasValues, activation as Activation, Number(attrs.leakyreluAlpha ?? 0.2));
    return backend.makeTensorInfo(p.outShape, 'float32', out);
  };
}

/** Kernel names this module replaces, and their replacements given the stock kernel. */
export function matMulKernels(): Record<string, (fallback: KernelFunc) => KernelFunc> {
  return {
    BatchMatMul: (f) => batchMatMulKernel(f),
    _FusedMatMul: (f) => fusedMatMulKernel(f),
  };
}
