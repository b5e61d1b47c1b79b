// Faster convolution gradients for the pure-JavaScript CPU backend. tfjs-backend-cpu 4.22 computes
// Conv2DBackpropFilter and Conv2DBackpropInput (the latter is also the forward pass of every
// transposed convolution) with per-element TensorBuffer.get() calls: a 3×3 conv on an 8×32×32×16
// batch took 7 s to differentiate on our 2-core machine, which makes GAN training impractical.
// These replacements compute exactly the same sums with flat typed-array loops (NHWC, dilation 1,
// as tf.layers uses); other layouts fall through to the original kernels. Installed by loadTf()
// when the 'cpu' backend is in use; the native backends are not touched.
import type { Tf } from './tfTypes';

import type { Values as TypedValues } from './kernels/runtime';
import { valuesOf, type CpuBackendLike, type KernelArgs } from './cpuKernelTypes';
type Conv2DInfo = ReturnType<Tf['backend_util']['computeConv2DInfo']>;
type PadArg = Parameters<Tf['backend_util']['computeConv2DInfo']>[4];
type RoundingArg = Parameters<Tf['backend_util']['computeConv2DInfo']>[5];

export const CONV_BACKPROP_FILTER = 'Conv2DBackpropFilter';
export const CONV_BACKPROP_INPUT = 'Conv2DBackpropInput';

function convInfo(tf: Tf, inShape: number[], filterShape: number[], attrs: Record<string, unknown>): Conv2DInfo {
  return tf.backend_util.computeConv2DInfo(
    inShape as [number, number, number, number], filterShape as [number, number, number, number],
    attrs.strides as number | [number, number], 1, attrs.pad as PadArg, attrs.dimRoundingMode as RoundingArg | undefined,
    false, 'channelsLast',
  );
}

/** dW[kh, kw, ci, co] = Σ_{b, oh, ow} x[b, oh·sh + kh − top, ow·sw + kw − left, ci] · dy[b, oh, ow, co]. */
export function conv2dBackpropFilterNhwc(x: TypedValues, dy: TypedValues, info: Conv2DInfo): Float32Array {
  const { batchSize, inHeight, inWidth, inChannels: ci, outHeight, outWidth, outChannels: co } = info;
  const { filterHeight: fh, filterWidth: fw, strideHeight: sh, strideWidth: sw } = info;
  const top = info.padInfo.top;
  const left = info.padInfo.left;
  const acc = new Float64Array(fh * fw * ci * co);
  for (let b = 0; b < batchSize; b++) {
    for (let yR = 0; yR < outHeight; yR++) {
      for (let yC = 0; yC < outWidth; yC++) {
        const dyOff = ((b * outHeight + yR) * outWidth + yC) * co;
        for (let wR = 0; wR < fh; wR++) {
          const xR = yR * sh + wR - top;
          if (xR < 0 || xR >= inHeight) continue;
          for (let wC = 0; wC < fw; wC++) {
            const xC = yC * sw + wC - left;
            if (xC < 0 || xC >= inWidth) continue;
            const xOff = ((b * inHeight + xR) * inWidth + xC) * ci;
            const wOff = (wR * fw + wC) * ci * co;
            for (let d1 = 0; d1 < ci; d1++) {
              const xv = x[xOff + d1];
              if (xv === 0) continue;
              const base = wOff + d1 * co;
              for (let d2 = 0; d2 < co; d2++) acc[base + d2] += xv * dy[dyOff + d2];
            }
          }
        }
      }
    }
  }
  return Float32Array.from(acc);
}

/** dx[b, ih, iw, ci] = Σ dy[b, oh, ow, co] · W[kh, kw, ci, co] over ih = oh·sh + kh − top, iw likewise. */
export function conv2dBackpropInputNhwc(dy: TypedValues, w: TypedValues, info: Conv2DInfo): Float32Array {
  const { batchSize, inHeight, inWidth, inChannels: ci, outHeight, outWidth, outChannels: co } = info;
  const { filterHeight: fh, filterWidth: fw, strideHeight: sh, strideWidth: sw } = info;
  const top = info.padInfo.top;
  const left = info.padInfo.left;
  const acc = new Float64Array(batchSize * inHeight * inWidth * ci);
  for (let b = 0; b < batchSize; b++) {
    for (let yR = 0; yR < outHeight; yR++) {
      for (let yC = 0; yC < outWidth; yC++) {
        const dyOff = ((b * outHeight + yR) * outWidth + yC) * co;
        for (let wR = 0; wR < fh; wR++) {
          const xR = yR * sh + wR - top;
          if (xR < 0 || xR >= inHeight) continue;
          for (let wC = 0; wC < fw; wC++) {
            const xC = yC * sw + wC - left;
            if (xC < 0 || xC >= inWidth) continue;
            const xOff = ((b * inHeight + xR) * inWidth + xC) * ci;
            const wOff = (wR * fw + wC) * ci * co;
            for (let d1 = 0; d1 < ci; d1++) {
              const base = wOff + d1 * co;
              let s = 0;
              for (let d2 = 0; d2 < co; d2++) s += w[base + d2] * dy[dyOff + d2];
              acc[xOff + d1] += s;
            }
          }
        }
      }
    }
  }
  return Float32Array.from(acc);
}

const installed = new WeakSet<object>();

/** Replaces the two cpu kernels (idempotent per tf instance). Returns true if it installed them now. */
export function installFastCpuConvKernels(tf: Tf): boolean {
  if (installed.has(tf.registerKernel)) return false;
  const originalFilter = tf.getKernel(CONV_BACKPROP_FILTER, 'cpu');
  const originalInput = tf.getKernel(CONV_BACKPROP_INPUT, 'cpu');
  if (!originalFilter || !originalInput) return false;
  const channelsLast = (attrs: Record<string, unknown>): boolean => (attrs.dataFormat ?? 'NHWC') === 'NHWC';

  tf.unregisterKernel(CONV_BACKPROP_FILTER, 'cpu');
  tf.registerKernel({
    kernelName: CONV_BACKPROP_FILTER,
    backendName: 'cpu',
    kernelFunc: ((args: KernelArgs) => {
      const attrs = args.attrs ?? {};
      const { x, dy } = args.inputs;
      if (!channelsLast(attrs) || !x || !dy) return originalFilter.kernelFunc(args as never);
      const backend = args.backend as CpuBackendLike;
      const info = convInfo(tf, x.shape, attrs.filterShape as number[], attrs);
      return backend.makeTensorInfo(info.filterShape, 'float32', conv2dBackpropFilterNhwc(valuesOf(backend, x), valuesOf(backend, dy), info));
    }) as never,
  });
  tf.unregisterKernel(CONV_BACKPROP_INPUT, 'cpu');
  tf.registerKernel({
    kernelName: CONV_BACKPROP_INPUT,
    backendName: 'cpu',
    kernelFunc: ((args: KernelArgs) => {
      const attrs = args.attrs ?? {};
      const { dy, filter } = args.inputs;
      if (!channelsLast(attrs) || !dy || !filter) return originalInput.kernelFunc(args as never);
      const backend = args.backend as CpuBackendLike;
      const info = convInfo(tf, attrs.inputShape as number[], filter.shape, attrs);
      return backend.makeTensorInfo(info.inShape as number[], 'float32', conv2dBackpropInputNhwc(valuesOf(backend, dy), valuesOf(backend, filter), info));
    }) as never,
  });
  installed.add(tf.registerKernel);
  return true;
}
