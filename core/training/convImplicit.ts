// Convolutions without an im2col matrix ("implicit GEMM"), for the cpu-fast kernels. Instead of
// copying every input patch into a K-wide row (9× the input for a 3×3 conv) and packing that row
// again for the GEMM, a table gives, for each kernel position (tap) and each output pixel, the
// address of that pixel's input channels (or of a zero block outside the input), and the
// WebAssembly kernels of gemm.wat read the input through it: conv_fwd for the forward pass (and,
// with flipped weights, the input gradient of a stride-1 conv), conv_dwt for the filter gradient.
// The input is copied once into the shared WebAssembly memory, so the helper thread can take half
// of the rows (forward) or half of the filter columns (filter gradient).
import { runWasm, wasmHeap, type Values } from './gemm';

/** NHWC convolution geometry (dilation 1). */
export interface ConvGeometry {
  batch: number;
  inH: number;
  inW: number;
  inC: number;
  outH: number;
  outW: number;
  outC: number;
  fh: number;
  fw: number;
  sh: number;
  sw: number;
  top: number;
  left: number;
}

/** Rows of the filter-gradient kernel walked per block (dy and input rows of a block stay in L2). */
const DWT_ROW_BLOCK = 256;

const up4 = (n: number): number => Math.ceil(n / 4) * 4;

/** Byte address of input pixel rows per (tap, output row) at i32[tab + tap·mpad + row]. */
function fillTable(i32: Int32Array, tab: number, g: ConvGeometry, mpad: number, xByte: number, zeroByte: number): void {
  const { batch, inH, inW, inC, outH, outW, fh, fw, sh, sw, top, left } = g;
  for (let kh = 0; kh < fh; kh++) {
    for (let kw = 0; kw < fw; kw++) {
      let o = tab + (kh * fw + kw) * mpad;
      const end = o + mpad;
      for (let b = 0; b < batch; b++) {
        for (let oh = 0; oh < outH; oh++) {
          const ih = oh * sh + kh - top;
          const rowOk = ih >= 0 && ih < inH;
          const rowBase = xByte + (b * inH + ih) * inW * inC * 4;
          for (let ow = 0; ow < outW; ow++) {
            const iw = ow * sw + kw - left;
            i32[o++] = rowOk && iw >= 0 && iw < inW ? rowBase + iw * inC * 4 : zeroByte;
          }
        }
      }
      while (o < end) i32[o++] = zeroByte;
    }
  }
}

/**
 * Packs B (K = taps·inC rows × outC columns) into 8-column panels at f32[dst]: element (d, c) of
 * panel q at (q·K + d)·8 + c, zero beyond outC. `at(d, j)` is the index of B(d, j) in `w`.
 */
function packPanels(f32: Float32Array, dst: number, w: Values, k: number, n: number, at: (d: number, j: number) => number): void {
  const panels = Math.ceil(n / 8);
  for (let q = 0; q < panels; q++) {
    for (let d = 0; d < k; d++) {
      const o = dst + (q * k + d) * 8;
      for (let c = 0; c < 8; c++) {
        const j = q * 8 + c;
        f32[o + c] = j < n ? w[at(d, j)] : 0;
      }
    }
  }
}

/**
 * out[row, j] = Σ_{tap, d} x[pixel(row, tap), d]·B(tap·inC + d, j), rows = output pixels of g.
 * B(d, j) = w[at(d, j)].
 */
function implicitConv(x: Values, w: Values, g: ConvGeometry, at: (d: number, j: number) => number): Float32Array {
  const { inC, outC } = g;
  const taps = g.fh * g.fw;
  const k = taps * inC;
  const m = g.batch * g.outH * g.outW;
  const mpad = up4(m);
  const np = Math.ceil(outC / 8);
  // Float offsets, each a multiple of 4 (16-byte aligned).
  const zero = 0;
  const xo = up4(inC);
  const tab = xo + up4(x.length);
  const bo = tab + up4(taps * mpad);
  const co = bo + np * 8 * k;
  const heap = wasmHeap((co + mpad * np * 8) * 4);
  heap.f32.fill(0, zero, xo);
  heap.f32.set(x, xo);
  fillTable(heap.i32, tab, g, mpad, xo * 4, zero * 4);
  packPanels(heap.f32, bo, w, k, outC, at);
  const tiles = mpad / 4;
  const args = (t0: number, t1: number): number[] => [tab * 4, mpad, taps, inC, bo * 4, co * 4, np, t0, t1];
  const split = tiles >> 1;
  runWasm('conv_fwd', args(split, tiles), split > 0 ? args(0, split) : undefined);
  const y = new Float32Array(m * outC);
  if (np * 8 === outC) {
    y.set(heap.f32.subarray(co, co + m * outC));
  } else {
    for (let r = 0; r < m; r++) y.set(heap.f32.subarray(co + r * np * 8, co + r * np * 8 + outC), r * outC);
  }
  return y;
}

/** y = conv2d(x, w), w laid out [fh, fw, inC, outC]. */
export function conv2dImplicit(x: Values, w: Values, g: ConvGeometry): Float32Array {
  const n = g.outC;
  return implicitConv(x, w, g, (d, j) => d * n + j);
}

/** The input gradient of a stride-1 conv: a stride-1 conv of dy with the flipped, transposed filter. */
export function conv2dBackpropInputImplicit(dy: Values, w: Values, g: ConvGeometry): Float32Array {
  if (g.sh !== 1 || g.sw !== 1) throw new Error('conv2dBackpropInputImplicit needs stride 1');
  const { fh, fw, inC, outC } = g;
  const flipped: ConvGeometry = {
    batch: g.batch, inH: g.outH, inW: g.outW, inC: outC, outH: g.inH, outW: g.inW, outC: inC,
    fh, fw, sh: 1, sw: 1, top: fh - 1 - g.top, left: fw - 1 - g.left,
  };
  // B'((kh', kw', o), i) = w[fh−1−kh', fw−1−kw', i, o].
  return implicitConv(dy, w, flipped, (d, i) => {
    const tap = Math.floor(d / outC);
    const o = d - tap * outC;
    const kh = Math.floor(tap / fw);
    const kw = tap - kh * fw;
    return (((fh - 1 - kh) * fw + (fw - 1 - kw)) * inC + i) * outC + o;
  });
}

/** Whether conv2dBackpropFilterImplicit handles these channel counts. */
export const filterImplicitSupported = (g: ConvGeometry): boolean => g.inC % 8 === 0 && g.outC % 4 === 0;

/** dW[kh, kw, ci, co] = Σ_{b, oh, ow} x[b, oh·sh + kh − top, ow·sw + kw − left, ci]·dy[b, oh, ow, co]. */
export function conv2dBackpropFilterImplicit(x: Values, dy: Values, g: ConvGeometry): Float32Array {
  if (!filterImplicitSupported(g)) throw new Error('conv2dBackpropFilterImplicit needs inC % 8 == 0 and outC % 4 == 0');
  const { inC, outC } = g;
  const taps = g.fh * g.fw;
  const k = taps * inC;
  const m = g.batch * g.outH * g.outW;
  const zero = 0;
  const xo = up4(inC);
  const dyo = xo + up4(x.length);
  const tab = dyo + up4(dy.length);
  const co = tab + up4(taps * m);
  const heap = wasmHeap((co + outC * k) * 4);
  heap.f32.fill(0, zero, xo);
  heap.f32.set(x, xo);
  heap.f32.set(dy, dyo);
  fillTable(heap.i32, tab, g, m, xo * 4, zero * 4);
  heap.f32.fill(0, co, co + outC * k);
  const npk = k / 8;
  const args = (jp0: number, jp1: number): number[] => [tab * 4, m, m, inC, dyo * 4, outC, co * 4, npk, jp0, jp1, DWT_ROW_BLOCK];
  const split = npk >> 1;
  runWasm('conv_dwt', args(split, npk), split > 0 ? args(0, split) : undefined);
  // The kernel leaves dWᵀ (outC × K); transpose to [fh, fw, inC, outC].
  const dw = new Float32Array(k * outC);
  const f32 = heap.f32;
  for (let o = 0; o < outC; o++) {
    const src = co + o * k;
    for (let d = 0; d < k; d++) dw[d * outC + o] = f32[src + d];
  }
  return dw;
}
