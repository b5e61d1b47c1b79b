// Winograd F(2×2, 3×3) for the 3×3 stride-1 convolutions (winograd.wat): forward, input gradient
// and filter gradient, each as 16 products over 2×2 output tiles, 2.25× fewer multiply-adds than
// the implicit GEMM of conv.ts (Lavin & Gray, "Fast Algorithms for Convolutional Neural Networks",
// 2016). Here the filter transforms (U = G g Gᵀ, dW = Gᵀ dU G) and the packing of U; the kernels
// transform the input and output tiles block by block inside each thread's own scratch, so the
// transformed maps never leave the cache. Rounding differs from direct summation by a few ulps
// of the transforms' sums (tests compare against the stock kernels).
import { runWasm, wasmRegions, worthSplitting, type Values } from './runtime';
import { copiedOutput } from './outputArrays';
import { packPanels, type ConvGeometry } from './conv';
import type { KernelArgs } from './signatures';

/** Tiles a thread transforms per block: 16 row tiles of conv_fwd, whose B panel stays in L1 over them. */
const TILE_BLOCK = 64;
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
 * U = G g Gᵀ for every (r, c) of a 3×3 filter given as tap(kh, kw, r, c): u[ξ·rows·cols + r·cols + c],
 * G = [1 0 0; ½ ½ ½; ½ −½ ½; 0 0 1].
 */
function filterTransform(rows: number, cols: number, tap: (kh: number, kw: number, r: number, c: number) => number): Float32Array {
  const u = new Float32Array(16 * rows * cols);
  const g = new Float64Array(9);
  const t = new Float64Array(12);
  const plane = rows * cols;
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      for (let k = 0; k < 9; k++) g[k] = tap(Math.floor(k / 3), k % 3, r, c);
      for (let j = 0; j < 3; j++) {
        // t = G g (4 × 3)
        t[j] = g[j];
        t[3 + j] = 0.5 * (g[j] + g[3 + j] + g[6 + j]);
        t[6 + j] = 0.5 * (g[j] - g[3 + j] + g[6 + j]);
        t[9 + j] = g[6 + j];
      }
      const o = r * cols + c;
      for (let i = 0; i < 4; i++) {
        const a = t[3 * i], b = t[3 * i + 1], d = t[3 * i + 2];
        u[(4 * i) * plane + o] = a;
        u[(4 * i + 1) * plane + o] = 0.5 * (a + b + d);
        u[(4 * i + 2) * plane + o] = 0.5 * (a - b + d);
        u[(4 * i + 3) * plane + o] = d;
      }
    }
  }
  return u;
}

/** A 3×3 stride-1 convolution of x (batch, h, w, c) into (batch, oh, ow, co) with the transformed filter u (16 × c × co). */
function winogradConv(x: Values, u: Float32Array, batch: number, h: number, w: number, c: number,
  oh: number, ow: number, co: number, top: number, left: number): Float32Array {
  const np = co / 8;
  const th = Math.ceil(oh / 2), tw = Math.ceil(ow / 2);
  const tiles = batch * th * tw;
  const tb = TILE_BLOCK;
  const wkFloats = 32 + co + 16 * Math.max(c, co);
  const scratch = [16 * tb, wkFloats, 16 * tb * c, 16 * tb * np * 8];
  const { f32, i32, at } = wasmRegions([c, x.length, batch * oh * ow * co, 16 * c * co, ...scratch, ...scratch]);
  const [zero, xo, yo, bo] = at;
  f32.fill(0, zero, zero + c);
  f32.set(x, xo);
  for (let xi = 0; xi < 16; xi++) packPanels(f32, bo + xi * np * 8 * c, u, c, co, (d) => xi * c * co + d * co, 1);
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
  const { inC, outC } = g;
  const u = filterTransform(inC, outC, (kh, kw, r, c) => w[((kh * 3 + kw) * inC + r) * outC + c]);
  return winogradConv(x, u, g.batch, g.inH, g.inW, inC, g.outH, g.outW, outC, g.top, g.left);
}

/**
 * dx = conv2dBackpropInput(dy, w), stride 1: the convolution of dy with w turned by 180° and its
 * channels swapped, padded by 2 − top (a 3×3 filter).
 */
export function conv2dBackpropInputWinograd(dy: Values, w: Values, g: ConvGeometry): Float32Array {
  const { inC, outC } = g;
  const u = filterTransform(outC, inC, (kh, kw, r, c) => w[(((2 - kh) * 3 + (2 - kw)) * inC + c) * outC + r]);
  return winogradConv(dy, u, g.batch, g.outH, g.outW, outC, g.inH, g.inW, inC, 2 - g.top, 2 - g.left);
}

/** dW [3, 3, inC, outC] = conv2dBackpropFilter(x, dy), stride 1. */
export function conv2dBackpropFilterWinograd(x: Values, dy: Values, g: ConvGeometry): Float32Array {
  const { batch, inH: h, inW: w, inC: c, outH: oh, outW: ow, outC: co, top, left } = g;
  const th = Math.ceil(oh / 2), tw = Math.ceil(ow / 2);
  const tiles = batch * th * tw;
  const tb = TILE_BLOCK;
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
