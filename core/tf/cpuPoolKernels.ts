// cpu-fast MaxPool and MaxPoolGrad (NHWC, float32): one pass over flat typed arrays with the channel
// innermost, instead of tfjs-backend-cpu's per-element TensorBuffer.get and its gather-form gradient
// (every dx element re-scans its windows). At the `small` preset the stock MaxPoolGrad took 7.5 s of
// a 12 s sound-classifier step (batch 64, LMS 128×44). Same results as the stock kernels: the max
// is the first strictly greater value in row-major window order (NaN never wins), and its gradient
// goes to that position; an all-NaN or all −∞ window passes no gradient.
import type { Tf } from './tfTypes';
import { valuesOf, type CpuBackendLike, type KernelArgs, type KernelFunc, type TensorInfoLike } from './cpuKernelTypes';

interface PoolInfo {
  batchSize: number; inHeight: number; inWidth: number; inChannels: number;
  outHeight: number; outWidth: number; strideHeight: number; strideWidth: number;
  effectiveFilterHeight: number; effectiveFilterWidth: number; dilationHeight: number; dilationWidth: number;
  padInfo: { top: number; left: number };
  outShape: number[];
}

function poolInfo(tf: Tf, shape: number[], attrs: Record<string, unknown>): PoolInfo {
  return tf.backend_util.computePool2DInfo(
    shape as [number, number, number, number], attrs.filterSize as [number, number] | number, attrs.strides as [number, number] | number, 1,
    attrs.pad as 'valid' | 'same' | number, attrs.dimRoundingMode as 'floor' | 'round' | 'ceil' | undefined,
  ) as unknown as PoolInfo;
}

/**
 * For every output element, the flat input index of its window's max (−1 if none), and the max.
 * Calls `visit(outIndex, inIndex, value)` once per output element.
 */
function scanWindows(x: ArrayLike<number>, p: PoolInfo, visit: (o: number, i: number, v: number) => void): void {
  const C = p.inChannels;
  const best = new Float64Array(C);
  const arg = new Int32Array(C);
  for (let b = 0; b < p.batchSize; b++) {
    const xb = b * p.inHeight * p.inWidth * C;
    for (let yR = 0; yR < p.outHeight; yR++) {
      const rCorner = yR * p.strideHeight - p.padInfo.top;
      const rMin = Math.max(0, rCorner);
      const rMax = Math.min(p.inHeight, p.effectiveFilterHeight + rCorner);
      for (let yC = 0; yC < p.outWidth; yC++) {
        const cCorner = yC * p.strideWidth - p.padInfo.left;
        const cMin = Math.max(0, cCorner);
        const cMax = Math.min(p.inWidth, p.effectiveFilterWidth + cCorner);
        best.fill(Number.NEGATIVE_INFINITY);
        arg.fill(-1);
        for (let r = rMin; r < rMax; r += p.dilationHeight) {
          for (let c = cMin; c < cMax; c += p.dilationWidth) {
            const base = xb + (r * p.inWidth + c) * C;
            for (let d = 0; d < C; d++) {
              const v = x[base + d];
              if (v > best[d]) {
                best[d] = v;
                arg[d] = base + d;
              }
            }
          }
        }
        const o = ((b * p.outHeight + yR) * p.outWidth + yC) * C;
        for (let d = 0; d < C; d++) visit(o + d, arg[d], best[d]);
      }
    }
  }
}

const fastCase = (x: TensorInfoLike | undefined): x is TensorInfoLike => !!x && x.dtype === 'float32' && x.shape.length === 4;

function maxPoolKernel(tf: Tf, fallback: KernelFunc): KernelFunc {
  return (args: KernelArgs) => {
    const x = args.inputs.x;
    if (!fastCase(x)) return fallback(args);
    const p = poolInfo(tf, x.shape, args.attrs ?? {});
    const backend = args.backend as CpuBackendLike;
    const out = new Float32Array(p.outShape.reduce((a, b) => a * b, 1));
    scanWindows(valuesOf(backend, x), p, (o, _i, v) => {
      out[o] = v;
    });
    return backend.makeTensorInfo(p.outShape, 'float32', out);
  };
}

function maxPoolGradKernel(tf: Tf, fallback: KernelFunc): KernelFunc {
  return (args: KernelArgs) => {
    const { dy, input } = args.inputs;
    if (!fastCase(input) || !fastCase(dy)) return fallback(args);
    const p = poolInfo(tf, input.shape, args.attrs ?? {});
    const backend = args.backend as CpuBackendLike;
    const dyv = valuesOf(backend, dy);
    const dx = new Float32Array(input.shape.reduce((a, b) => a * b, 1));
    scanWindows(valuesOf(backend, input), p, (o, i) => {
      if (i >= 0) dx[i] += dyv[o];
    });
    return backend.makeTensorInfo(input.shape, 'float32', dx);
  };
}

/** Kernel name → fast implementation wrapping the stock one (used for cases it does not cover). */
export function poolKernels(tf: Tf): Record<string, (fallback: KernelFunc) => KernelFunc> {
  return {
    MaxPool: (f) => maxPoolKernel(tf, f),
    MaxPoolGrad: (f) => maxPoolGradKernel(tf, f),
  };
}
