// Fused batch-norm and activation-gradient kernels for the pure-JS 'cpu' backend, part of
// 'cpu-fast'. tfjs-layers' training-mode batch norm is tf.moments + FusedBatchNorm, and the
// gradients of that chain and of Relu/LeakyRelu are a dozen element-wise kernels (Sub, Square,
// Mean, Multiply, Sum, Greater, Select, …) per layer. Here:
// - AvBatchNormTrain {x, gamma, beta} attr epsilon → [y, batch mean, batch variance] over all axes
//   but the last (biased variance, as tf.moments), in 2 passes over x;
// - AvBatchNormTrainGrad {dy, x, gamma, mean, variance} → [dx, dgamma, dbeta] in 2 passes, registered
//   as AvBatchNormTrain's gradient (the mean/variance outputs only feed the moving averages, so
//   their incoming gradients are zeros and are ignored);
// - AvReluGrad / AvLeakyReluGrad {dy, x} as the gradients of Relu / LeakyRelu, same values as the
//   stock gradients (Relu: dy·step(x), 0 at x = 0, NaN at NaN; LeakyRelu: x > 0 ? dy : dy·alpha).
// The Relu/LeakyRelu gradient overrides delegate to the stock gradient unless these kernels are
// registered on the active backend; installNormKernels(tf, false) restores the stock configs.
import type * as tfjs from '@tensorflow/tfjs';
import type { Tf } from './tfTypes';
import type { Values } from './kernels/runtime';
import { outputArray } from './kernels/outputArrays';
import { channelAffine, channelGradCombine, channelGradSums, channelShiftedSums, leakyReluGradWasm, normWasmTakes } from './kernels/norm';
import { valuesOf, type CpuBackendLike, type KernelArgs, type TensorInfoLike } from './cpuKernelTypes';
type GradConfig = NonNullable<ReturnType<Tf['getGradient']>>;

export const BN_TRAIN = 'AvBatchNormTrain';
export const BN_TRAIN_GRAD = 'AvBatchNormTrainGrad';
export const RELU_GRAD = 'AvReluGrad';
export const LEAKY_RELU_GRAD = 'AvLeakyReluGrad';
const KERNELS = [BN_TRAIN, BN_TRAIN_GRAD, RELU_GRAD, LEAKY_RELU_GRAD];

export interface BatchNormTrainResult { y: Float32Array; mean: Float32Array; variance: Float32Array }

/**
 * Training-mode batch norm of x viewed as (n × c), c = last axis. Mean and variance come from one
 * pass of Float64 sums shifted by the first row; they are rounded to float32 (what tf.moments
 * returns) and used as such for y = beta + (x − mean)·gamma/√(variance + ε).
 */
export function batchNormTrainForward(x: Values, gamma: Values, beta: Values, c: number, epsilon: number): BatchNormTrainResult {
  const len = x.length;
  const n = len / c;
  const wasm = normWasmTakes(len, c);
  const { shift, s1, s2 } = wasm ? channelShiftedSums(x, c) : shiftedSums(x, c);
  const mean = new Float32Array(c);
  const variance = new Float32Array(c);
  const scale = new Float64Array(c);
  for (let j = 0; j < c; j++) {
    const m1 = s1[j] / n;
    mean[j] = shift[j] + m1;
    // E[(x − mean32)²] = Var(x) + (E[x] − mean32)², as tf.moments computes it from the rounded mean.
    const off = shift[j] + m1 - mean[j];
    variance[j] = Math.max(0, s2[j] / n - m1 * m1) + off * off;
    scale[j] = gamma[j] / Math.sqrt(variance[j] + epsilon);
  }
  if (wasm) return { y: channelAffine(x, mean, Float32Array.from(scale), Float32Array.from(beta), c), mean, variance };
  const y = new Float32Array(len);
  for (let o = 0; o < len; o += c) {
    for (let j = 0; j < c; j++) y[o + j] = beta[j] + (x[o + j] - mean[j]) * scale[j];
  }
  return { y, mean, variance };
}

/** Σ (x − shift) and Σ (x − shift)² per channel in float64, shift = the first row (JS loops). */
function shiftedSums(x: Values, c: number): { shift: Float64Array; s1: Float64Array; s2: Float64Array } {
  const shift = new Float64Array(c);
  const s1 = new Float64Array(c);
  const s2 = new Float64Array(c);
  for (let j = 0; j < c; j++) shift[j] = x[j];
  for (let o = 0; o < x.length; o += c) {
    for (let j = 0; j < c; j++) {
      const d = x[o + j] - shift[j];
      s1[j] += d;
      s2[j] += d * d;
    }
  }
  return { shift, s1, s2 };
}

export interface BatchNormGradResult { dx: Float32Array; dgamma: Float32Array; dbeta: Float32Array }

/**
 * Gradient of batchNormTrainForward's y (through the batch statistics too), with x̂ = (x − μ)/σ:
 * dβ = Σdy, dγ = Σdy·x̂, dx = γ/σ·(dy − mean(dy) − x̂·mean(dy·x̂)). Two passes over x and dy.
 */
export function batchNormTrainBackward(dy: Values, x: Values, gamma: Values, mean: Values, variance: Values,
  c: number, epsilon: number): BatchNormGradResult {
  const len = x.length;
  const n = len / c;
  const wasm = normWasmTakes(len, c);
  const { s1: sdy, s2: sdyd } = wasm ? channelGradSums(dy, x, mean, c) : gradSums(dy, x, mean, c);
  const dgamma = new Float32Array(c);
  const dbeta = new Float32Array(c);
  const a = new Float64Array(c);
  const b = new Float64Array(c);
  const e = new Float64Array(c);
  for (let j = 0; j < c; j++) {
    const inv = 1 / Math.sqrt(variance[j] + epsilon);
    dbeta[j] = sdy[j];
    dgamma[j] = sdyd[j] * inv;
    a[j] = gamma[j] * inv;
    b[j] = (a[j] * inv * inv * sdyd[j]) / n;
    e[j] = (a[j] * sdy[j]) / n;
  }
  if (wasm) {
    const f = (v: Float64Array): Float32Array => Float32Array.from(v);
    return { dx: channelGradCombine(dy, x, mean, f(a), f(e), f(b), c), dgamma, dbeta };
  }
  const dx = new Float32Array(len);
  for (let o = 0; o < len; o += c) {
    for (let j = 0; j < c; j++) dx[o + j] = a[j] * dy[o + j] - e[j] - b[j] * (x[o + j] - mean[j]);
  }
  return { dx, dgamma, dbeta };
}

/** Σ dy and Σ dy·(x − mean) per channel in float64 (JS loops). */
function gradSums(dy: Values, x: Values, mean: Values, c: number): { s1: Float64Array; s2: Float64Array } {
  const s1 = new Float64Array(c);
  const s2 = new Float64Array(c);
  for (let o = 0; o < x.length; o += c) {
    for (let j = 0; j < c; j++) {
      const g = dy[o + j];
      s1[j] += g;
      s2[j] += g * (x[o + j] - mean[j]);
    }
  }
  return { s1, s2 };
}

/** dy·step(x) as tfjs computes it: 1 for x > 0, 0 for x ≤ 0, NaN for NaN. */
export function reluGrad(dy: Values, x: Values): Float32Array {
  const out = outputArray(x.length);
  for (let i = 0; i < x.length; i++) {
    const xi = x[i];
    out[i] = dy[i] * (xi > 0 ? 1 : xi === xi ? 0 : NaN);
  }
  return out;
}

/** x > 0 ? dy : dy·alpha (alpha rounded to float32, as tf.mul(dy, alpha) does). */
export function leakyReluGrad(dy: Values, x: Values, alpha: number): Float32Array {
  const a = Math.fround(alpha);
  if (normWasmTakes(x.length, 4)) return leakyReluGradWasm(dy, x, a);
  const out = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = x[i] > 0 ? dy[i] : dy[i] * a;
  return out;
}

const isFloat = (...ts: (TensorInfoLike | undefined)[]): boolean => ts.every((t) => t && t.dtype === 'float32');

function bnTrainKernel(args: KernelArgs): TensorInfoLike[] {
  const { x, gamma, beta } = args.inputs;
  if (!x || !gamma || !beta || !isFloat(x, gamma, beta) || x.shape.length < 2) throw new Error(`${BN_TRAIN}: needs float32 x (rank ≥ 2), gamma, beta`);
  const c = x.shape[x.shape.length - 1];
  if (gamma.shape.length !== 1 || gamma.shape[0] !== c || beta.shape.length !== 1 || beta.shape[0] !== c) throw new Error(`${BN_TRAIN}: gamma/beta must be [${c}]`);
  const backend = args.backend as CpuBackendLike;
  const r = batchNormTrainForward(valuesOf(backend, x), valuesOf(backend, gamma), valuesOf(backend, beta), c, Number(args.attrs?.epsilon));
  return [backend.makeTensorInfo(x.shape, 'float32', r.y), backend.makeTensorInfo([c], 'float32', r.mean), backend.makeTensorInfo([c], 'float32', r.variance)];
}

function bnTrainGradKernel(args: KernelArgs): TensorInfoLike[] {
  const { dy, x, gamma, mean, variance } = args.inputs;
  if (!dy || !x || !gamma || !mean || !variance || !isFloat(dy, x, gamma, mean, variance)) throw new Error(`${BN_TRAIN_GRAD}: needs float32 inputs`);
  const c = x.shape[x.shape.length - 1];
  const backend = args.backend as CpuBackendLike;
  const r = batchNormTrainBackward(valuesOf(backend, dy), valuesOf(backend, x), valuesOf(backend, gamma), valuesOf(backend, mean),
    valuesOf(backend, variance), c, Number(args.attrs?.epsilon));
  return [backend.makeTensorInfo(x.shape, 'float32', r.dx), backend.makeTensorInfo([c], 'float32', r.dgamma), backend.makeTensorInfo([c], 'float32', r.dbeta)];
}

function activationGradKernel(leaky: boolean) {
  return (args: KernelArgs): TensorInfoLike => {
    const { dy, x } = args.inputs;
    if (!dy || !x || !isFloat(dy, x) || dy.shape.length !== x.shape.length) throw new Error('activation gradient: needs float32 dy and x');
    const backend = args.backend as CpuBackendLike;
    const out = leaky
      ? leakyReluGrad(valuesOf(backend, dy), valuesOf(backend, x), Number(args.attrs?.alpha))
      : reluGrad(valuesOf(backend, dy), valuesOf(backend, x));
    return backend.makeTensorInfo(x.shape, 'float32', out);
  };
}

const KERNEL_FUNCS: Record<string, (args: KernelArgs) => unknown> = {
  [BN_TRAIN]: bnTrainKernel,
  [BN_TRAIN_GRAD]: bnTrainGradKernel,
  [RELU_GRAD]: activationGradKernel(false),
  [LEAKY_RELU_GRAD]: activationGradKernel(true),
};

/** True when the fused kernels are registered on the active backend (only ever 'cpu'). */
export function normKernelsActive(tf: Tf): boolean {
  const backend = tf.getBackend();
  return backend === 'cpu' && tf.getKernel(BN_TRAIN, backend) != null;
}

/** Runs AvBatchNormTrain: [y, batch mean, batch variance]. Callers check normKernelsActive first. */
export function batchNormTrain(tf: Tf, x: tfjs.Tensor, gamma: tfjs.Tensor, beta: tfjs.Tensor, epsilon: number): [tfjs.Tensor, tfjs.Tensor, tfjs.Tensor] {
  return tf.engine().runKernel(BN_TRAIN, { x, gamma, beta }, { epsilon }) as unknown as [tfjs.Tensor, tfjs.Tensor, tfjs.Tensor];
}

function bnTrainGradConfig(tf: Tf): GradConfig {
  return {
    kernelName: BN_TRAIN,
    inputsToSave: ['x', 'gamma'],
    outputsToSave: [false, true, true],
    gradFunc: (dys, saved, attrs) => {
      const dy = Array.isArray(dys) ? dys[0] : dys;
      const [x, gamma, mean, variance] = saved;
      // One kernel call yields all three gradients; run it here, not in the per-input closures
      // (each closure runs in its own tidy, which would dispose the other two outputs).
      const [dx, dgamma, dbeta] = tf.engine().runKernel(BN_TRAIN_GRAD, { dy, x, gamma, mean, variance }, attrs) as unknown as tfjs.Tensor[];
      return { x: () => dx, gamma: () => dgamma, beta: () => dbeta };
    },
  };
}

function activationGradConfig(tf: Tf, stockConfig: GradConfig, kernel: string): GradConfig {
  return {
    ...stockConfig,
    gradFunc: (dy, saved, attrs) => {
      const x = saved[0];
      const g = Array.isArray(dy) ? dy[0] : dy;
      const backend = tf.getBackend();
      if (backend !== 'cpu' || tf.getKernel(kernel, backend) == null || g.dtype !== 'float32' || x.dtype !== 'float32') {
        return stockConfig.gradFunc(dy, saved, attrs);
      }
      return { x: () => tf.engine().runKernel(kernel, { dy: g, x }, attrs) as tfjs.Tensor };
    },
  };
}

/** The stock Relu/LeakyRelu gradient configs, captured before the first override (per tf instance). */
const stockGrads = new WeakMap<object, { relu: GradConfig; leaky: GradConfig }>();

/**
 * Registers (on) or unregisters (off) the fused kernels for the 'cpu' backend and switches the
 * Relu/LeakyRelu gradients between the fused ones and the stock ones. Idempotent.
 */
export function installNormKernels(tf: Tf, on: boolean): void {
  let stock = stockGrads.get(tf.registerKernel);
  if (!stock) {
    const relu = tf.getGradient('Relu');
    const leaky = tf.getGradient('LeakyRelu');
    if (!relu || !leaky) throw new Error('tfjs has no Relu/LeakyRelu gradient to wrap');
    stock = { relu, leaky };
    stockGrads.set(tf.registerKernel, stock);
  }
  for (const name of KERNELS) {
    const registered = tf.getKernel(name, 'cpu') != null;
    if (registered && !on) tf.unregisterKernel(name, 'cpu');
    if (!registered && on) tf.registerKernel({ kernelName: name, backendName: 'cpu', kernelFunc: KERNEL_FUNCS[name] as never });
  }
  if (on) {
    tf.registerGradient(bnTrainGradConfig(tf));
    tf.registerGradient(activationGradConfig(tf, stock.relu, RELU_GRAD));
    tf.registerGradient(activationGradConfig(tf, stock.leaky, LEAKY_RELU_GRAD));
  } else {
    tf.registerGradient(stock.relu);
    tf.registerGradient(stock.leaky);
  }
}
