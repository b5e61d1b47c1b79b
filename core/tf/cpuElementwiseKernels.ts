// Per-channel fast paths for the pure-JS 'cpu' backend, part of 'cpu-fast'. Batch norm (tf.moments
// and its gradient) and the gradients of broadcasting ops reduce or broadcast NHWC tensors over the
// leading axes: tfjs-backend-cpu transposes the tensor first for such a Sum/Mean and computes a
// broadcast index per element for Add/Sub/Multiply/RealDiv against a (1, 1, 1, C) operand; at the
// paper preset these took more time than the convolutions. Here: Sum/Mean over leading axes as one
// pass with Float64 per-channel accumulators, binary ops against a per-channel operand as one pass,
// Tile of a (1, …, 1, C) tensor as a repeated copy; also same-shape and scalar Add/Sub/Multiply/
// RealDiv as plain loops (the stock kernel indexes through a broadcast map per element) and SplitV
// along the last axis (concat gradients), Slice and PadV2 (cropping/zero padding and their
// gradients) as row copies. Everything else falls through to the stock kernel.
import type { Tf } from './tfTypes';
import { copyRun, type Values } from './kernels/runtime';
import { filledOutput, outputArray } from './kernels/outputArrays';
import { leakyReluWasm, normWasmTakes, reluWasm } from './kernels/norm';

import { shapeSize, valuesOf, type CpuBackendLike, type KernelFunc } from './cpuKernelTypes';
import { poolKernels } from './cpuPoolKernels';
import { matMulKernels } from './cpuMatMulKernels';
export type { KernelArgs, KernelFunc } from './cpuKernelTypes';


/** Σ over the leading `outer` rows of an (outer × inner) matrix: one accumulator per column. */
export function sumLeading(x: Values, outer: number, inner: number, scale: number): Float32Array {
  const acc = new Float64Array(inner);
  for (let i = 0, o = 0; i < outer; i++, o += inner) {
    for (let j = 0; j < inner; j++) acc[j] += x[o + j];
  }
  const out = new Float32Array(inner);
  for (let j = 0; j < inner; j++) out[j] = acc[j] * scale;
  return out;
}

function reduceKernel(tf: Tf, mean: boolean, fallback: KernelFunc): KernelFunc {
  return (args) => {
    const x = args.inputs.x;
    const attrs = args.attrs ?? {};
    if (!x || x.dtype !== 'float32' || x.shape.length < 2) return fallback(args);
    const axes = tf.util.parseAxisParam(attrs.axis as number | number[], x.shape).slice().sort((a, b) => a - b);
    // Leading axes only, and not all of them (the stock kernel is fine for inner reductions).
    if (axes.length === 0 || axes.length >= x.shape.length || axes.some((a, i) => a !== i)) return fallback(args);
    const outer = shapeSize(x.shape.slice(0, axes.length));
    const inner = shapeSize(x.shape.slice(axes.length));
    const backend = args.backend as CpuBackendLike;
    const out = sumLeading(valuesOf(backend, x), outer, inner, mean ? 1 / outer : 1);
    const shape = attrs.keepDims ? x.shape.map((d, i) => (i < axes.length ? 1 : d)) : x.shape.slice(axes.length);
    return backend.makeTensorInfo(shape, 'float32', out);
  };
}

type BinaryOp = 'Add' | 'Sub' | 'Multiply' | 'RealDiv';

/** out[i] = full[i] op chan[i mod C] (or chan op full when swapped). */
export function perChannelBinary(op: BinaryOp, full: Values, chan: Values, swapped: boolean): Float32Array {
  const n = full.length;
  const c = chan.length;
  const out = outputArray(n);
  for (let o = 0; o < n; o += c) {
    switch (op) {
      case 'Add':
        for (let j = 0; j < c; j++) out[o + j] = full[o + j] + chan[j];
        break;
      case 'Multiply':
        for (let j = 0; j < c; j++) out[o + j] = full[o + j] * chan[j];
        break;
      case 'Sub':
        if (swapped) for (let j = 0; j < c; j++) out[o + j] = chan[j] - full[o + j];
        else for (let j = 0; j < c; j++) out[o + j] = full[o + j] - chan[j];
        break;
      case 'RealDiv':
        if (swapped) for (let j = 0; j < c; j++) out[o + j] = chan[j] / full[o + j];
        else for (let j = 0; j < c; j++) out[o + j] = full[o + j] / chan[j];
        break;
    }
  }
  return out;
}

/** True if `small` broadcasts against `big` only along the last axis: (…, 1, C) vs (…, C). */
function perChannelOf(big: number[], small: number[]): boolean {
  if (big.length < 2 || small.length === 0 || small.length > big.length) return false;
  const c = big[big.length - 1];
  if (small[small.length - 1] !== c || c === shapeSize(big)) return false;
  return small.slice(0, -1).every((d) => d === 1);
}

/** out[i] = a[i] op b[i] (same shapes), or against a single value s (a op s, or s op a when swapped). */
export function denseBinary(op: BinaryOp, a: Values, b: Values | number, swapped = false): Float32Array {
  const n = a.length;
  const out = outputArray(n);
  if (typeof b === 'number') {
    switch (op) {
      case 'Add': for (let i = 0; i < n; i++) out[i] = a[i] + b; break;
      case 'Multiply': for (let i = 0; i < n; i++) out[i] = a[i] * b; break;
      case 'Sub':
        if (swapped) for (let i = 0; i < n; i++) out[i] = b - a[i];
        else for (let i = 0; i < n; i++) out[i] = a[i] - b;
        break;
      case 'RealDiv':
        if (swapped) for (let i = 0; i < n; i++) out[i] = b / a[i];
        else for (let i = 0; i < n; i++) out[i] = a[i] / b;
        break;
    }
    return out;
  }
  switch (op) {
    case 'Add': for (let i = 0; i < n; i++) out[i] = a[i] + b[i]; break;
    case 'Multiply': for (let i = 0; i < n; i++) out[i] = a[i] * b[i]; break;
    case 'Sub': for (let i = 0; i < n; i++) out[i] = a[i] - b[i]; break;
    case 'RealDiv': for (let i = 0; i < n; i++) out[i] = a[i] / b[i]; break;
  }
  return out;
}

const sameShape = (a: number[], b: number[]): boolean => a.length === b.length && a.every((d, i) => d === b[i]);

function binaryKernel(op: BinaryOp, fallback: KernelFunc): KernelFunc {
  return (args) => {
    const { a, b } = args.inputs;
    if (!a || !b || a.dtype !== 'float32' || b.dtype !== 'float32') return fallback(args);
    const backend = args.backend as CpuBackendLike;
    if (sameShape(a.shape, b.shape)) {
      return backend.makeTensorInfo(a.shape, 'float32', denseBinary(op, valuesOf(backend, a), valuesOf(backend, b)));
    }
    if (shapeSize(b.shape) === 1 && b.shape.length <= a.shape.length) {
      return backend.makeTensorInfo(a.shape, 'float32', denseBinary(op, valuesOf(backend, a), valuesOf(backend, b)[0]));
    }
    if (shapeSize(a.shape) === 1 && a.shape.length <= b.shape.length) {
      return backend.makeTensorInfo(b.shape, 'float32', denseBinary(op, valuesOf(backend, b), valuesOf(backend, a)[0], true));
    }
    if (perChannelOf(a.shape, b.shape)) {
      return backend.makeTensorInfo(a.shape, 'float32', perChannelBinary(op, valuesOf(backend, a), valuesOf(backend, b), false));
    }
    if (perChannelOf(b.shape, a.shape)) {
      return backend.makeTensorInfo(b.shape, 'float32', perChannelBinary(op, valuesOf(backend, b), valuesOf(backend, a), true));
    }
    return fallback(args);
  };
}

function tileKernel(fallback: KernelFunc): KernelFunc {
  return (args) => {
    const x = args.inputs.x;
    const reps = (args.attrs?.reps ?? []) as number[];
    if (!x || x.dtype !== 'float32' || reps.length !== x.shape.length || reps[reps.length - 1] !== 1) return fallback(args);
    if (x.shape.slice(0, -1).some((d) => d !== 1)) return fallback(args);
    const backend = args.backend as CpuBackendLike;
    const src = valuesOf(backend, x);
    const c = src.length;
    const copies = shapeSize(reps);
    const out = outputArray(c * copies);
    for (let o = 0; o < out.length; o += c) out.set(src as Float32Array, o);
    return backend.makeTensorInfo(x.shape.map((d, i) => d * reps[i]), 'float32', out);
  };
}

/** Split along the last axis: each output row is a contiguous segment of the input row. */
function splitKernel(tf: Tf, fallback: KernelFunc): KernelFunc {
  return (args) => {
    const x = args.inputs.x;
    const attrs = args.attrs ?? {};
    if (!x || x.dtype !== 'float32' || x.shape.length < 2) return fallback(args);
    const axis = tf.util.parseAxisParam(attrs.axis as number, x.shape)[0];
    if (axis !== x.shape.length - 1) return fallback(args);
    const sizes = tf.backend_util.prepareSplitSize(x as never, attrs.numOrSizeSplits as number | number[], axis);
    const c = x.shape[axis];
    const rows = shapeSize(x.shape) / c;
    const backend = args.backend as CpuBackendLike;
    const src = valuesOf(backend, x) as Float32Array;
    let start = 0;
    return sizes.map((w) => {
      const out = outputArray(rows * w);
      for (let r = 0; r < rows; r++) out.set(src.subarray(r * c + start, r * c + start + w), r * w);
      start += w;
      return backend.makeTensorInfo([...x.shape.slice(0, -1), w], 'float32', out);
    });
  };
}

/**
 * Copies the box [begin, begin + size) of a row-major `inShape` tensor into the box starting at
 * `outBegin` of a row-major `outShape` tensor, one innermost row at a time (slice and pad).
 */
export function copyBox(src: Float32Array, inShape0: number[], begin0: number[], size0: number[],
  dst: Float32Array, outShape0: number[], outBegin0: number[]): void {
  if (size0.length === 0 || size0.some((d) => d === 0)) return;
  // trailing axes copied whole on both sides (an NHWC map's channels when only H and W are padded
  // or cropped) merge into the axis before them: longer rows, fewer of them
  const inShape = [...inShape0];
  const begin = [...begin0];
  const size = [...size0];
  const outShape = [...outShape0];
  const outBegin = [...outBegin0];
  while (inShape.length > 1) {
    const l = inShape.length - 1;
    if (begin[l] !== 0 || outBegin[l] !== 0 || size[l] !== inShape[l] || size[l] !== outShape[l]) break;
    const n = size[l];
    for (const a of [inShape, size, outShape, begin, outBegin]) {
      a.pop();
      a[l - 1] *= n;
    }
  }
  const rank = inShape.length;
  const row = size[rank - 1];
  const inStrides = new Array<number>(rank);
  const outStrides = new Array<number>(rank);
  inStrides[rank - 1] = 1;
  outStrides[rank - 1] = 1;
  for (let i = rank - 2; i >= 0; i--) {
    inStrides[i] = inStrides[i + 1] * inShape[i + 1];
    outStrides[i] = outStrides[i + 1] * outShape[i + 1];
  }
  const rows = size.slice(0, -1).reduce((a, b) => a * b, 1);
  const idx = new Array<number>(Math.max(0, rank - 1)).fill(0);
  for (let r = 0; r < rows; r++) {
    let si = begin[rank - 1];
    let di = outBegin[rank - 1];
    for (let d = 0; d < rank - 1; d++) {
      si += (begin[d] + idx[d]) * inStrides[d];
      di += (outBegin[d] + idx[d]) * outStrides[d];
    }
    copyRun(src, si, dst, di, row);
    for (let d = rank - 2; d >= 0; d--) {
      if (++idx[d] < size[d]) break;
      idx[d] = 0;
    }
  }
}

function sliceKernel(tf: Tf, fallback: KernelFunc): KernelFunc {
  return (args) => {
    const x = args.inputs.x;
    const attrs = args.attrs ?? {};
    if (!x || x.dtype !== 'float32' || x.shape.length === 0) return fallback(args);
    const [begin, sz] = tf.slice_util.parseSliceParams(x as never, attrs.begin as number[], attrs.size as number[]);
    const backend = args.backend as CpuBackendLike;
    const out = outputArray(shapeSize(sz));
    copyBox(valuesOf(backend, x) as Float32Array, x.shape, begin, sz, out, sz, sz.map(() => 0));
    return backend.makeTensorInfo(sz, 'float32', out);
  };
}

/** LeakyRelu / Relu on large float32 tensors: the branch-free two-thread WebAssembly loops of kernels/norm.ts. */
function activationKernel(leaky: boolean, fallback: KernelFunc): KernelFunc {
  return (args) => {
    const x = args.inputs.x;
    if (!x || x.dtype !== 'float32' || !normWasmTakes(shapeSize(x.shape), 4)) return fallback(args);
    const backend = args.backend as CpuBackendLike;
    const values = valuesOf(backend, x);
    return backend.makeTensorInfo(x.shape, 'float32', leaky ? leakyReluWasm(values, Number(args.attrs?.alpha)) : reluWasm(values));
  };
}

function padKernel(fallback: KernelFunc): KernelFunc {
  return (args) => {
    const x = args.inputs.x;
    const attrs = args.attrs ?? {};
    const paddings = attrs.paddings as [number, number][] | undefined;
    if (!x || x.dtype !== 'float32' || x.shape.length === 0 || !paddings || paddings.length !== x.shape.length) return fallback(args);
    const outShape = x.shape.map((d, i) => paddings[i][0] + d + paddings[i][1]);
    const backend = args.backend as CpuBackendLike;
    const out = filledOutput(shapeSize(outShape), Number(attrs.constantValue ?? 0));
    copyBox(valuesOf(backend, x) as Float32Array, x.shape, x.shape.map(() => 0), x.shape, out, outShape, paddings.map((p) => p[0]));
    return backend.makeTensorInfo(outShape, 'float32', out);
  };
}

/** Kernel names this module replaces, and their replacements given the stock kernel. */
export function elementwiseKernels(tf: Tf): Record<string, (fallback: KernelFunc) => KernelFunc> {
  return {
    Sum: (f) => reduceKernel(tf, false, f),
    Mean: (f) => reduceKernel(tf, true, f),
    Add: (f) => binaryKernel('Add', f),
    Sub: (f) => binaryKernel('Sub', f),
    Multiply: (f) => binaryKernel('Multiply', f),
    RealDiv: (f) => binaryKernel('RealDiv', f),
    Tile: (f) => tileKernel(f),
    SplitV: (f) => splitKernel(tf, f),
    Slice: (f) => sliceKernel(tf, f),
    PadV2: (f) => padKernel(f),
    LeakyRelu: (f) => activationKernel(true, f),
    Relu: (f) => activationKernel(false, f),
    // MaxPool / MaxPoolGrad (core/tf/cpuPoolKernels.ts)
    ...poolKernels(tf),
    // BatchMatMul / _FusedMatMul (core/tf/cpuMatMulKernels.ts)
    ...matMulKernels(),
  };
}
