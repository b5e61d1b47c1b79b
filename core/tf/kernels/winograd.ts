// Winograd F(2×2, 3×3) for the 3×3 stride-1 convolutions (winograd.wat): forward, input gradient
// and filter gradient, each as 16 products over 2×2 output tiles, 2.25× fewer multiply-adds than
// the implicit GEMM of conv.ts (Lavin & Gray, "Fast Algorithms for Convolutional Neural Networks",
// 2016). Here the filter transforms (U = G g Gᵀ packed for conv_fwd, dW = Gᵀ dU G); the kernels
// transform the input and output tiles block by block inside each thread's own scratch, so the
// transformed maps never leave the cache. Rounding differs from direct summation by a few ulps
// of the transforms' sums (tests compare against the stock kernels).
import { copyRun, runWasm, wasmRegions, worthSplitting, type Values } from './runtime';
import { copiedOutput, outputArray } from './outputArrays';
import type { ConvGeometry } from './conv';
import type { KernelArgs } from './signatures';

/**
 * Tiles a thread transforms per block: at most 64 (16 row tiles of conv_fwd, over which its B panel
 * stays in L1), fewer when the block's 16 transformed planes in and out (64·(c + co) bytes a tile)
 * would not fit in half of this machine's 1 MiB L2 (a 256 → 512-channel product, the sub-pixel
 * gradient of 64×8²×256 → 16²×128: 67 ms with blocks of 64, 56 ms with 8).
 */
function tileBlock(c: number, co: number): number {
  return Math.max(4, Math.min(64, Math.floor((1 << 19) / (64 * (c + co)) / 4) * 4));
}

/**
 * From how many channels the filter gradient pays for its transforms (kernel bench: at 16 channels
 * on 32×32 maps it is no faster than conv_dwt; the forward pass and the input gradient are 2–3×
 * faster there already).
 */
const FILTER_MIN_CHANNELS = 32;

/** Whether the Winograd kernels handle this convolution's pass (3×3, stride 1, channels in blocks of 8). */
export function winogradSupported(g: ConvGeometry, pass: 'forward' | 'input' | 'filter'): boolean {
  return g.fh === 3 && g.fw === 3 && g.sh === 1 && g.sw === 1 && g.inC % 8 === 0 && g.outC % 8 === 0 &&
    (pass !== 'filter' || Math.min(g.inC, g.outC) >= FILTER_MIN_CHANNELS);
}

/**
 * U = G g Gᵀ, G = [1 0 0; ½ ½ ½; ½ −½ ½; 0 0 1], for a 3×3 filter g given tap-major (g[tap·rows·cols
 * + r·cols + c], as w [3, 3, rows, cols] is laid out), written straight into the 8-column panels
 * conv_fwd reads: U_ξ(r, c) at f32[dst + ξ·rows·cols + ((c >> 3)·rows + r)·8 + (c & 7)] (cols in 8s).
 */
function packTransformedFilter(g: Values, rows: number, cols: number, f32: Float32Array, dst: number): void {
  const plane = rows * cols;
  const t = new Float64Array(12);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const e = r * cols + c;
      // t = G g (4 rows of 3)
      for (let j = 0; j < 3; j++) {
        const top = g[j * plane + e], mid = g[(3 + j) * plane + e], bottom = g[(6 + j) * plane + e];
        t[j] = top;
        t[3 + j] = 0.5 * (top + mid + bottom);
        t[6 + j] = 0.5 * (top - mid + bottom);
        t[9 + j] = bottom;
      }
      // U row i = t_i Gᵀ = (t_i0, ½(t_i0 + t_i1 + t_i2), ½(t_i0 − t_i1 + t_i2), t_i2), ξ = 4i + j
      let o = dst + ((c >> 3) * rows + r) * 8 + (c & 7);
      for (let i = 0; i < 12; i += 3) {
        const a = t[i], b = t[i + 1], d = t[i + 2];
        f32[o] = a;
        f32[o + plane] = 0.5 * (a + b + d);
        f32[o + 2 * plane] = 0.5 * (a - b + d);
        f32[o + 3 * plane] = d;
        o += 4 * plane;
      }
    }
  }
}

/**
 * A 3×3 stride-1 convolution of x (batch, h, w, c) into (batch, oh, ow, co) with the filter g
 * (tap-major: [3, 3, c, co]).
 */
function winogradConv(x: Values, g: Values, batch: number, h: number, w: number, c: number,
  oh: number, ow: number, co: number, top: number, left: number): Float32Array {
  const np = co / 8;
  const th = Math.ceil(oh / 2), tw = Math.ceil(ow / 2);
  const tiles = batch * th * tw;
  const tb = tileBlock(c, co);
  const wkFloats = 32 + co + 16 * Math.max(c, co);
  const scratch = [16 * tb, wkFloats, 16 * tb * c, 16 * tb * np * 8];
  const { f32, i32, at } = wasmRegions([c, x.length, batch * oh * ow * co, 16 * c * co, ...scratch, ...scratch]);
  const [zero, xo, yo, bo] = at;
  f32.fill(0, zero, zero + c);
  f32.set(x, xo);
  packTransformedFilter(g, c, co, f32, bo);
  const args = (s: number, t0: number, t1: number): KernelArgs<'wino_fwd'> => {
    const [tab, wk, v, m] = at.slice(4 + 4 * s, 8 + 4 * s);
    for (let k = 0; k < 16 * tb; k++) i32[tab + k] = (v + k * c) * 4;
    return {
      x: xo * 4, zero: zero * 4, h, w, c, top, left, th, tw, y: yo * 4, oh, ow, co,
      bp: bo * 4, np, tab: tab * 4, wk: wk * 4, v: v * 4, m: m * 4, tb, t0, t1,
    };
  };
  const split = worthSplitting(tiles * 16 * c * co) ? tiles >> 1 : 0;
  runWasm('wino_fwd', args(0, split, tiles), split > 0 ? args(1, 0, split) : undefined);
  return copiedOutput(f32, yo, batch * oh * ow * co);
}

/** y = conv2d(x, w) for w [3, 3, inC, outC], stride 1. */
export function conv2dWinograd(x: Values, w: Values, g: ConvGeometry): Float32Array {
  return winogradConv(x, w, g.batch, g.inH, g.inW, g.inC, g.outH, g.outW, g.outC, g.top, g.left);
}

/**
 * dx = conv2dBackpropInput(dy, w), stride 1: the convolution of dy with w turned by 180° and its
 * channels swapped, padded by 2 − top (a 3×3 filter).
 */
export function conv2dBackpropInputWinograd(dy: Values, w: Values, g: ConvGeometry): Float32Array {
  const { inC, outC } = g;
  // w turned by 180°, [3, 3, outC, inC]
  const turned = new Float32Array(9 * inC * outC);
  for (let tap = 0; tap < 9; tap++) {
    const src = (8 - tap) * inC * outC, dst = tap * inC * outC;
    for (let i = 0; i < inC; i++) for (let o = 0; o < outC; o++) turned[dst + o * inC + i] = w[src + i * outC + o];
  }
  return winogradConv(dy, turned, g.batch, g.outH, g.outW, outC, g.inH, g.inW, inC, 2 - g.top, 2 - g.left);
}

/** dW [3, 3, inC, outC] = conv2dBackpropFilter(x, dy), stride 1. */
export function conv2dBackpropFilterWinograd(x: Values, dy: Values, g: ConvGeometry): Float32Array {
  const { batch, inH: h, inW: w, inC: c, outH: oh, outW: ow, outC: co, top, left } = g;
  const th = Math.ceil(oh / 2), tw = Math.ceil(ow / 2);
  const tiles = batch * th * tw;
  const tb = tileBlock(c, co);
  const wkFloats = 32 + co + 16 * Math.max(c, co);
  const scratch = [16 * co * c, 16 * tb, wkFloats, 16 * tb * c, 16 * tb * co];
  const { f32, i32, at } = wasmRegions([Math.max(c, co), x.length, dy.length, ...scratch, ...scratch]);
  const [zero, xo, dyo] = at;
  f32.fill(0, zero, zero + Math.max(c, co));
  f32.set(x, xo);
  f32.set(dy, dyo);
  const args = (s: number, t0: number, t1: number): KernelArgs<'wino_dwt'> => {
    const [acc, tab, wk, v, dm] = at.slice(3 + 5 * s, 8 + 5 * s);
    f32.fill(0, acc, acc + 16 * co * c);
    for (let k = 0; k < 16 * tb; k++) i32[tab + k] = (v + k * c) * 4;
    return {
      x: xo * 4, zero: zero * 4, h, w, c, top, left, th, tw, dy: dyo * 4, oh, ow, co,
      acc: acc * 4, tab: tab * 4, wk: wk * 4, v: v * 4, dm: dm * 4, tb, t0, t1,
    };
  };
  const split = worthSplitting(tiles * 16 * c * co) ? tiles >> 1 : 0;
  runWasm('wino_dwt', args(0, split, tiles), split > 0 ? args(1, 0, split) : undefined);
  // dU_ξ[ci, co] = Σ of the threads' dUᵀ_ξ[co, ci]; dW = Gᵀ dU G, Gᵀ = [1 ½ ½ 0; 0 ½ −½ 0; 0 ½ ½ 1].
  const acc0 = at[3], acc1 = split > 0 ? at[8] : -1;
  const dw = new Float32Array(9 * c * co);
  const du = new Float64Array(16);
  const t = new Float64Array(12);
  const plane = co * c;
  for (let o = 0; o < co; o++) {
    for (let i = 0; i < c; i++) {
      const e = o * c + i;
      for (let xi = 0; xi < 16; xi++) du[xi] = f32[acc0 + xi * plane + e] + (acc1 >= 0 ? f32[acc1 + xi * plane + e] : 0);
      for (let j = 0; j < 4; j++) {
        // t = Gᵀ dU (3 × 4)
        const a = du[j], b = du[4 + j], d = du[8 + j], f = du[12 + j];
        t[j] = a + 0.5 * (b + d);
        t[4 + j] = 0.5 * (b - d);
        t[8 + j] = 0.5 * (b + d) + f;
      }
      for (let k = 0; k < 3; k++) {
        const a = t[4 * k], b = t[4 * k + 1], d = t[4 * k + 2], f = t[4 * k + 3];
        dw[((k * 3) * c + i) * co + o] = a + 0.5 * (b + d);
        dw[((k * 3 + 1) * c + i) * co + o] = 0.5 * (b - d);
        dw[((k * 3 + 2) * c + i) * co + o] = 0.5 * (b + d) + f;
      }
    }
  }
  return dw;
}

/**
 * Whether conv2dBackpropInputSubpixel takes this convolution: 4×4 filters at stride 2 (the DCGAN
 * layers), pads 0–3, dy's channels in 8s, and 2–16 input channels (an even number). There the four
 * stride-phase passes each fill a whole address table for one or two 8-column panels and hand half
 * of each pass to the helper thread, which inside a training step costs ~0.2 ms a time: in I2S tiny
 * steps, 8×16²×32 → 32²×16 took 0.84–0.87 ms as one product against 1.5–1.8 ms by phases, 8×32²×16
 * → 64²×8 1.35 against 1.91 in isolation. With more channels the phases are as fast or faster
 * (8×4²×64 → 8²×32: 0.61–0.88 ms against 0.34; 64×8²×256 → 16²×128: 56 against 47 in isolation).
 */
export function subpixelSupported(g: ConvGeometry): boolean {
  return g.fh === 4 && g.fw === 4 && g.sh === 2 && g.sw === 2 && g.top >= 0 && g.top <= 3 && g.left >= 0 && g.left <= 3 &&
    g.outC % 8 === 0 && g.inC % 2 === 0 && g.inC <= 16;
}

/**
 * The input gradient of a 4×4 stride-2 convolution as one 3×3 stride-1 convolution over dy into
 * 4·inC channels, then depth-to-space. dx pixel (2i + ph, 2j + pw) takes the taps kh ≡ ph + top
 * (mod 2), kw likewise, from dy at (i + a, j + b) with a = (ph + top − kh)/2, b = (pw + left − kw)/2,
 * both in {−1, 0, 1}: so all four phases read the same 3×3 window of dy and are one Winograd
 * product with channel block (2·ph + pw) (zero taps where a phase has none). Same multiply-adds as
 * four stride-phase passes, but one kernel call, one hand-off to the helper thread and no tables.
 */
export function conv2dBackpropInputSubpixel(dy: Values, w: Values, g: ConvGeometry): Float32Array {
  const { batch, inH, inW, inC, outH, outW, outC, top, left } = g;
  const hq = Math.ceil(inH / 2), wq = Math.ceil(inW / 2);
  const co = 4 * inC;
  // tap (a + 1, b + 1) of the 3×3 filter, [3, 3, outC, (phase, c)]
  const g3 = new Float32Array(9 * outC * co);
  for (let ka = 0; ka < 3; ka++) {
    for (let kb = 0; kb < 3; kb++) {
      for (let phase = 0; phase < 4; phase++) {
        const kh = (phase >> 1) + top - 2 * (ka - 1), kw = (phase & 1) + left - 2 * (kb - 1);
        if (kh < 0 || kh > 3 || kw < 0 || kw > 3) continue;
        const dst = (ka * 3 + kb) * outC * co + phase * inC, src = (kh * 4 + kw) * inC * outC;
        for (let o = 0; o < outC; o++) for (let c = 0; c < inC; c++) g3[dst + o * co + c] = w[src + c * outC + o];
      }
    }
  }
  const y = winogradConv(dy, g3, batch, outH, outW, outC, hq, wq, co, 1, 1);
  const dx = outputArray(batch * inH * inW * inC);
  for (let b = 0; b < batch; b++) {
    for (let i = 0; i < hq; i++) {
      for (let ph = 0; ph < 2 && 2 * i + ph < inH; ph++) {
        const rowOut = (b * inH + 2 * i + ph) * inW;
        for (let j = 0; j < wq; j++) {
          const src = ((b * hq + i) * wq + j) * co + ph * 2 * inC;
          copyRun(y, src, dx, (rowOut + 2 * j) * inC, 2 * j + 1 < inW ? 2 * inC : inC);
        }
      }
    }
  }
  return dx;
}
