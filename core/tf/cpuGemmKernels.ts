// The studio's fast path on the pure-JavaScript 'cpu' backend ('cpu-fast'): Conv2D, FusedConv2D
// (without bias/activation, as tf.layers calls it here), Conv2DBackpropFilter and
// Conv2DBackpropInput (also the forward pass of every transposed convolution) as im2col + the
// WebAssembly SIMD GEMM of gemm.ts. These kernels carry ~all the arithmetic of a GAN step (see
// README "Performance"). Rows of the patch matrix are processed in chunks of about 4 MB.
// Other layouts (NCHW, dilation > 1, fused bias/activation) fall through to the stock kernels.
// 'gemm' mode also installs the per-channel Sum/Mean/binary/Tile kernels of cpuElementwiseKernels.ts
// and the fused batch-norm / activation-gradient kernels of cpuNormKernels.ts.
// useCpuKernels() switches between 'stock' (tfjs as shipped), 'flat' (the flat-loop gradients of
// cpuConvKernels.ts) and 'gemm' at run time, so tests and the benchmark can compare them in one process.
import type { Tf } from './tfTypes';
import { CONV_BACKPROP_FILTER, CONV_BACKPROP_INPUT, conv2dBackpropFilterNhwc, conv2dBackpropInputNhwc } from './cpuConvKernels';
import { elementwiseKernels } from './cpuElementwiseKernels';
import { installNormKernels } from './cpuNormKernels';
import { useCheapSavedTensors } from './savedTensors';
import { usePlainLinearConv } from './plainLinearConv';
import { gemm } from './kernels/gemm';
import { gemmAvailable, type Values } from './kernels/runtime';
import { conv2dBackpropFilterImplicit, conv2dBackpropFilterOneChannel, conv2dBackpropInputOneChannel, conv2dBackpropInputImplicit, conv2dImplicit, filterImplicitSupported, oneChannelRowsSupported, type ConvGeometry } from './kernels/conv';
import { conv2dBackpropFilterWinograd, conv2dBackpropInputSubpixel, conv2dBackpropInputWinograd, conv2dWinograd, subpixelSupported, winogradSupported } from './kernels/winograd';
import { valuesOf, type CpuBackendLike, type KernelArgs, type TensorInfoLike } from './cpuKernelTypes';
type KernelConfig = NonNullable<ReturnType<Tf['getKernel']>>;
export type Conv2DInfo = ReturnType<Tf['backend_util']['computeConv2DInfo']>;
type PadArg = Parameters<Tf['backend_util']['computeConv2DInfo']>[4];
type RoundingArg = Parameters<Tf['backend_util']['computeConv2DInfo']>[5];

export type CpuKernelMode = 'stock' | 'flat' | 'gemm';

const CONV2D = 'Conv2D';
const FUSED_CONV2D = 'FusedConv2D';
const CONV_KERNELS = [CONV2D, FUSED_CONV2D, CONV_BACKPROP_FILTER, CONV_BACKPROP_INPUT];
/** Target size (floats) of one chunk of the patch matrix. */
const CHUNK_FLOATS = 1 << 20;

function convInfo(tf: Tf, inShape: number[], filterShape: number[], attrs: Record<string, unknown>): Conv2DInfo {
  return tf.backend_util.computeConv2DInfo(
    inShape as [number, number, number, number], filterShape as [number, number, number, number],
    attrs.strides as number | [number, number], (attrs.dilations as number | [number, number] | undefined) ?? 1,
    attrs.pad as PadArg, attrs.dimRoundingMode as RoundingArg | undefined, false, 'channelsLast',
  );
}

const supported = (attrs: Record<string, unknown>, info: Conv2DInfo): boolean =>
  (attrs.dataFormat ?? 'NHWC') === 'NHWC' && info.dilationHeight === 1 && info.dilationWidth === 1;

const isPointwise = (info: Conv2DInfo): boolean =>
  info.filterHeight === 1 && info.filterWidth === 1 && info.strideHeight === 1 && info.strideWidth === 1 &&
  info.padInfo.top === 0 && info.padInfo.left === 0 && info.outHeight === info.inHeight && info.outWidth === info.inWidth;

/**
 * Below this many channels the input gradient takes the im2col path (its implicit pass's columns
 * are dx's channels, in blocks of 8: one channel would waste 7 of 8). The forward pass is implicit
 * at any channel count: at 1–3 input channels (the sound map, RGB images) it is still 2.5–3× faster
 * than building the patch matrix (kernel bench: 8×130×36×1 → 8 channels 0.78 vs 1.97 ms,
 * 64×64²×3 → 64 channels 9.3 vs 26.4 ms).
 */
const IMPLICIT_MIN_CHANNELS = 8;

export function geometryOf(info: Conv2DInfo): ConvGeometry {
  return {
    batch: info.batchSize, inH: info.inHeight, inW: info.inWidth, inC: info.inChannels,
    outH: info.outHeight, outW: info.outWidth, outC: info.outChannels,
    fh: info.filterHeight, fw: info.filterWidth, sh: info.strideHeight, sw: info.strideWidth,
    top: info.padInfo.top, left: info.padInfo.left,
  };
}

/** Forward conv: Winograd for 3×3 stride 1 with channels in 8s (kernels/winograd.ts), else implicit GEMM (kernels/conv.ts), unless pointwise. */
export function conv2dFast(x: Values, w: Values, info: Conv2DInfo): Float32Array {
  if (isPointwise(info)) return conv2dGemm(x, w, info);
  const g = geometryOf(info);
  return winogradSupported(g, 'forward') ? conv2dWinograd(x, w, g) : conv2dImplicit(x, w, g);
}

/**
 * dy of one pixel per image, as in a generator's first layer (z → 4×4 by a 4×4 transposed conv): the
 * implicit pass would run every dx pixel over all taps, of which one in fh·fw lies inside dy
 * (S2I tiny's 8×1²×164 → 4²×16: 0.86 ms); dy · Wᵀ is the whole product, and col2im a copy.
 */
const onePixelDy = (info: Conv2DInfo): boolean => info.outHeight === 1 && info.outWidth === 1;

/**
 * Input gradient (and conv2dTranspose forward): 4×4 stride 2 into 2–16 channels as one Winograd
 * product + depth-to-space (kernels/winograd.ts), into one channel read along rows by blocks of 8
 * columns (kernels/conv.ts), 3×3 stride 1 by Winograd, else implicit GEMM per
 * stride phase (kernels/conv.ts); GEMM + col2im for few channels (the implicit pass's columns are
 * dx's channels, in blocks of 8: one channel would waste 7 of 8) and for a one-pixel dy.
 */
export function conv2dBackpropInputFast(dy: Values, w: Values, info: Conv2DInfo): Float32Array {
  const g = geometryOf(info);
  if (subpixelSupported(g)) return conv2dBackpropInputSubpixel(dy, w, g);
  if (oneChannelRowsSupported(g)) return conv2dBackpropInputOneChannel(dy, w, g);
  if (isPointwise(info) || info.outChannels < IMPLICIT_MIN_CHANNELS || info.inChannels < IMPLICIT_MIN_CHANNELS || onePixelDy(info)) return conv2dBackpropInputGemm(dy, w, info);
  return winogradSupported(g, 'input') ? conv2dBackpropInputWinograd(dy, w, g) : conv2dBackpropInputImplicit(dy, w, g);
}

/** Filter gradient: Winograd (3×3 stride 1, ≥ 32 channels), one-channel (kernels/conv.ts), implicit GEMM when the channel counts suit its tiles, else im2col + GEMM. */
export function conv2dBackpropFilterFast(x: Values, dy: Values, info: Conv2DInfo): Float32Array {
  const g = geometryOf(info);
  if (oneChannelRowsSupported(g)) return conv2dBackpropFilterOneChannel(x, dy, g);
  if (isPointwise(info) || !filterImplicitSupported(g)) return conv2dBackpropFilterGemm(x, dy, info);
  return winogradSupported(g, 'filter') ? conv2dBackpropFilterWinograd(x, dy, g) : conv2dBackpropFilterImplicit(x, dy, g);
}

function chunkRows(k: number, m: number): number {
  return Math.min(m, Math.max(4, Math.floor(CHUNK_FLOATS / Math.max(1, k) / 4) * 4));
}

/** Rows [m0, m1) of the patch matrix: row (b, oh, ow), column (kh, kw, ci), zeros outside x. */
export function im2col(x: Values, info: Conv2DInfo, m0: number, m1: number, out: Float32Array): void {
  const { inHeight: H, inWidth: W, inChannels: ci, outHeight: OH, outWidth: OW } = info;
  const { filterHeight: fh, filterWidth: fw, strideHeight: sh, strideWidth: sw } = info;
  const top = info.padInfo.top;
  const left = info.padInfo.left;
  const k = fh * fw * ci;
  const rowLen = fw * ci;
  for (let m = m0; m < m1; m++) {
    const b = Math.floor(m / (OH * OW));
    const rem = m - b * OH * OW;
    const oh = Math.floor(rem / OW);
    const ow = rem - oh * OW;
    let o = (m - m0) * k;
    for (let kh = 0; kh < fh; kh++) {
      const ih = oh * sh + kh - top;
      if (ih < 0 || ih >= H) {
        out.fill(0, o, o + rowLen);
        o += rowLen;
        continue;
      }
      for (let kw = 0; kw < fw; kw++, o += ci) {
        const iw = ow * sw + kw - left;
        if (iw < 0 || iw >= W) {
          out.fill(0, o, o + ci);
          continue;
        }
        const src = ((b * H + ih) * W + iw) * ci;
        for (let c = 0; c < ci; c++) out[o + c] = x[src + c];
      }
    }
  }
}

/** Adds rows [m0, m1) of a patch-matrix gradient back onto dx (the adjoint of im2col). */
export function col2im(dp: Float32Array, info: Conv2DInfo, m0: number, m1: number, dx: Float32Array): void {
  const { inHeight: H, inWidth: W, inChannels: ci, outHeight: OH, outWidth: OW } = info;
  const { filterHeight: fh, filterWidth: fw, strideHeight: sh, strideWidth: sw } = info;
  const top = info.padInfo.top;
  const left = info.padInfo.left;
  const k = fh * fw * ci;
  for (let m = m0; m < m1; m++) {
    const b = Math.floor(m / (OH * OW));
    const rem = m - b * OH * OW;
    const oh = Math.floor(rem / OW);
    const ow = rem - oh * OW;
    let o = (m - m0) * k;
    for (let kh = 0; kh < fh; kh++) {
      const ih = oh * sh + kh - top;
      if (ih < 0 || ih >= H) {
        o += fw * ci;
        continue;
      }
      for (let kw = 0; kw < fw; kw++, o += ci) {
        const iw = ow * sw + kw - left;
        if (iw < 0 || iw >= W) continue;
        const dst = ((b * H + ih) * W + iw) * ci;
        for (let c = 0; c < ci; c++) dx[dst + c] += dp[o + c];
      }
    }
  }
}

/** y[b, oh, ow, co] = Σ x[b, oh·sh + kh − top, ow·sw + kw − left, ci]·w[kh, kw, ci, co]. */
export function conv2dGemm(x: Values, w: Values, info: Conv2DInfo): Float32Array {
  const co = info.outChannels;
  const k = info.filterHeight * info.filterWidth * info.inChannels;
  const m = info.batchSize * info.outHeight * info.outWidth;
  const y = new Float32Array(m * co);
  if (isPointwise(info)) {
    gemm(m, co, k, { data: x, offset: 0, rowStride: k, colStride: 1 }, { data: w, offset: 0, rowStride: co, colStride: 1 }, y);
    return y;
  }
  const rows = chunkRows(k, m);
  const p = new Float32Array(rows * k);
  for (let m0 = 0; m0 < m; m0 += rows) {
    const m1 = Math.min(m, m0 + rows);
    im2col(x, info, m0, m1, p);
    gemm(m1 - m0, co, k, { data: p, offset: 0, rowStride: k, colStride: 1 }, { data: w, offset: 0, rowStride: co, colStride: 1 }, y, m0 * co);
  }
  return y;
}

/** dW[kh, kw, ci, co] = Σ_{b, oh, ow} patch[(b, oh, ow), (kh, kw, ci)]·dy[b, oh, ow, co]. */
export function conv2dBackpropFilterGemm(x: Values, dy: Values, info: Conv2DInfo): Float32Array {
  const co = info.outChannels;
  const k = info.filterHeight * info.filterWidth * info.inChannels;
  const m = info.batchSize * info.outHeight * info.outWidth;
  const dw = new Float32Array(k * co);
  if (isPointwise(info)) {
    gemm(k, co, m, { data: x, offset: 0, rowStride: 1, colStride: k }, { data: dy, offset: 0, rowStride: co, colStride: 1 }, dw);
    return dw;
  }
  const rows = chunkRows(k, m);
  const p = new Float32Array(rows * k);
  for (let m0 = 0; m0 < m; m0 += rows) {
    const m1 = Math.min(m, m0 + rows);
    im2col(x, info, m0, m1, p);
    gemm(k, co, m1 - m0, { data: p, offset: 0, rowStride: 1, colStride: k }, { data: dy, offset: m0 * co, rowStride: co, colStride: 1 }, dw);
  }
  return dw;
}

/** dx = col2im(dy · Wᵀ): the gradient of conv2d w.r.t. its input (= conv2dTranspose forward). */
export function conv2dBackpropInputGemm(dy: Values, w: Values, info: Conv2DInfo): Float32Array {
  const co = info.outChannels;
  const k = info.filterHeight * info.filterWidth * info.inChannels;
  const m = info.batchSize * info.outHeight * info.outWidth;
  const dx = new Float32Array(info.batchSize * info.inHeight * info.inWidth * info.inChannels);
  if (isPointwise(info)) {
    gemm(m, k, co, { data: dy, offset: 0, rowStride: co, colStride: 1 }, { data: w, offset: 0, rowStride: 1, colStride: co }, dx);
    return dx;
  }
  const rows = chunkRows(k, m);
  const dp = new Float32Array(rows * k);
  for (let m0 = 0; m0 < m; m0 += rows) {
    const m1 = Math.min(m, m0 + rows);
    dp.fill(0);
    gemm(m1 - m0, k, co, { data: dy, offset: m0 * co, rowStride: co, colStride: 1 }, { data: w, offset: 0, rowStride: 1, colStride: co }, dp);
    col2im(dp, info, m0, m1, dx);
  }
  return dx;
}

const stock = new WeakMap<object, Map<string, KernelConfig>>();
const current = new WeakMap<object, CpuKernelMode>();

function stockKernels(tf: Tf): Map<string, KernelConfig> | null {
  const key = tf.registerKernel;
  let map = stock.get(key);
  if (!map) {
    map = new Map();
    for (const name of [...CONV_KERNELS, ...Object.keys(elementwiseKernels(tf))]) {
      const k = tf.getKernel(name, 'cpu');
      if (!k) return null;
      map.set(name, k);
    }
    stock.set(key, map);
  }
  return map;
}

function replace(tf: Tf, name: string, kernelFunc: (args: KernelArgs) => unknown): void {
  tf.unregisterKernel(name, 'cpu');
  tf.registerKernel({ kernelName: name, backendName: 'cpu', kernelFunc: kernelFunc as never });
}

/**
 * Registers the chosen implementation of the four conv kernels on the 'cpu' backend (the stock
 * ones are remembered on first use). Returns false if the mode cannot be used here ('gemm' without
 * WebAssembly SIMD, or a tfjs without these kernels).
 */
export function useCpuKernels(tf: Tf, mode: CpuKernelMode): boolean {
  const originals = stockKernels(tf);
  if (!originals) return false;
  if (mode === 'gemm' && !gemmAvailable()) return false;
  if (current.get(tf.registerKernel) === mode) return true;
  const orig = (name: string): KernelConfig => originals.get(name) as KernelConfig;
  for (const name of originals.keys()) replace(tf, name, orig(name).kernelFunc as never);
  installNormKernels(tf, mode === 'gemm');
  useCheapSavedTensors(tf, mode === 'gemm');
  usePlainLinearConv(tf, mode === 'gemm');
  if (mode === 'stock') {
    current.set(tf.registerKernel, mode);
    return true;
  }
  const filterImpl = mode === 'gemm' ? conv2dBackpropFilterFast : conv2dBackpropFilterNhwc;
  const inputImpl = mode === 'gemm' ? conv2dBackpropInputFast : conv2dBackpropInputNhwc;
  replace(tf, CONV_BACKPROP_FILTER, (args) => {
    const attrs = args.attrs ?? {};
    const backend = args.backend as CpuBackendLike;
    const x = args.inputs.x as TensorInfoLike;
    const dy = args.inputs.dy as TensorInfoLike;
    const info = convInfo(tf, x.shape, attrs.filterShape as number[], attrs);
    if (!supported(attrs, info)) return orig(CONV_BACKPROP_FILTER).kernelFunc(args as never);
    return backend.makeTensorInfo(info.filterShape, 'float32', filterImpl(valuesOf(backend, x), valuesOf(backend, dy), info));
  });
  replace(tf, CONV_BACKPROP_INPUT, (args) => {
    const attrs = args.attrs ?? {};
    const backend = args.backend as CpuBackendLike;
    const dy = args.inputs.dy as TensorInfoLike;
    const filter = args.inputs.filter as TensorInfoLike;
    const info = convInfo(tf, attrs.inputShape as number[], filter.shape, attrs);
    if (!supported(attrs, info)) return orig(CONV_BACKPROP_INPUT).kernelFunc(args as never);
    return backend.makeTensorInfo(info.inShape as number[], 'float32', inputImpl(valuesOf(backend, dy), valuesOf(backend, filter), info));
  });
  if (mode === 'gemm') {
    const forward = (name: string) => (args: KernelArgs): unknown => {
      const attrs = args.attrs ?? {};
      const { x, filter, bias, preluActivationWeights } = args.inputs;
      const activation = (attrs.activation as string | undefined) ?? 'linear';
      if (bias || preluActivationWeights || activation !== 'linear' || !x || !filter) return orig(name).kernelFunc(args as never);
      const backend = args.backend as CpuBackendLike;
      const info = convInfo(tf, x.shape, filter.shape, attrs);
      if (!supported(attrs, info)) return orig(name).kernelFunc(args as never);
      return backend.makeTensorInfo(info.outShape as number[], 'float32', conv2dFast(valuesOf(backend, x), valuesOf(backend, filter), info));
    };
    replace(tf, CONV2D, forward(CONV2D));
    replace(tf, FUSED_CONV2D, forward(FUSED_CONV2D));
    for (const [name, make] of Object.entries(elementwiseKernels(tf))) replace(tf, name, make(orig(name).kernelFunc as never));
  }
  current.set(tf.registerKernel, mode);
  return true;
}

/** The mode last set by useCpuKernels (null if never called for this tf instance). */
export function cpuKernelMode(tf: Tf): CpuKernelMode | null {
  return current.get(tf.registerKernel) ?? null;
}
