// Convolutions without an im2col matrix ("implicit GEMM"), for the cpu-fast kernels. Instead of
// copying every input patch into a K-wide row (9× the input for a 3×3 conv) and packing that row
// again for the GEMM, a table gives, for each kernel position (tap) and each output pixel, the
// address of that pixel's input channels (or of a zero block outside the input), and the
// WebAssembly kernels of conv.wat read the input through it: conv_fwd for the forward pass and, one
// pass per stride phase, the input gradient (= transposed conv), conv_dwt for the filter gradient.
// The input is copied once into the shared WebAssembly memory, so the helper thread can take half
// of the rows (forward) or half of the filter columns (filter gradient).
import { copyRun, runWasm, wasmRegions, worthSplitting, type Values } from './runtime';
import { copiedOutput, outputArray } from './outputArrays';
import type { KernelArgs } from './signatures';
import { cachedPanels, cachedTable } from './layoutCache';

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

/** Depth (taps × input channels) of the slice of B that conv_fwd keeps in L1 per pass over 16 row tiles. */
const TAP_GROUP_DEPTH = 256;
/** Rows of the filter-gradient kernel walked per block (dy and input rows of a block stay in L2). */
const DWT_ROW_BLOCK = 256;

/** Every field of a geometry, for the keys of cached tables. */
export const geometryKey = (g: ConvGeometry): string =>
  [g.batch, g.inH, g.inW, g.inC, g.outH, g.outW, g.outC, g.fh, g.fw, g.sh, g.sw, g.top, g.left].join(',');

/** Rows padded to whole 4-row tiles of the kernels. */
const tileRows = (n: number): number => Math.ceil(n / 4) * 4;

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
 * Packs B (K rows × n columns) into 8-column panels at f32[dst]: element (d, c) of panel q at
 * (q·K + d)·8 + c, zero beyond n. B(d, j) = w[rowBase(d) + j·colStride]; rowBase −1: a zero row.
 */
function packPanels(f32: Float32Array, dst: number, w: Values, k: number, n: number, rowBase: (d: number) => number, colStride: number): void {
  const panels = Math.ceil(n / 8);
  for (let d = 0; d < k; d++) {
    const base = rowBase(d);
    for (let q = 0; q < panels; q++) {
      const o = dst + (q * k + d) * 8;
      const width = Math.min(8, n - q * 8);
      if (base < 0) {
        f32.fill(0, o, o + 8);
        continue;
      }
      let src = base + q * 8 * colStride;
      for (let c = 0; c < width; c++, src += colStride) f32[o + c] = w[src];
      for (let c = width; c < 8; c++) f32[o + c] = 0;
    }
  }
}

/** One conv_fwd product: `rows` output rows, `taps` input rows each (addresses from `fill`). */
interface ImplicitPass {
  taps: number;
  rows: number;
  /** Fills i32[tab + tap·mpad + row] with byte addresses of input pixels (xByte + pixel·inC·4) or zeroByte. */
  fill(i32: Int32Array, tab: number, mpad: number, xByte: number, zeroByte: number): void;
  /** Names the pass (with its geometry) for layoutCache.ts: its table, and its packed filter panels. */
  key: string;
  /** B(tap·inC + d, j) = w[rowBase(tap·inC + d) + j·colStride] (−1: zero row). */
  rowBase(d: number): number;
  colStride: number;
}

/**
 * Runs conv_fwd passes over one input x (copied into the shared memory once): pass p computes
 * out[row, j] = Σ_{tap, d} x[pixel(row, tap), d]·B_p(tap·inC + d, j) in the shared memory, where
 * take(p, f32, at, rowStride) reads it (row r, column j at f32[at + r·rowStride + j]) before the
 * next pass overwrites it. wIsFilter: w is a layer's filter, whose packed panels layoutCache.ts may keep.
 */
/** An input written into the shared memory by its producer (instead of copied there from an array). */
interface InputWriter {
  length: number;
  /** Writes all `length` floats at f32[at] (the memory there holds anything before). */
  writeInto(f32: Float32Array, at: number): void;
}

function runImplicitPasses(
  x: Values | InputWriter, w: Values, inC: number, outC: number, passes: ImplicitPass[], wIsFilter: boolean,
  take: (pass: number, f32: Float32Array, at: number, rowStride: number) => void,
): void {
  const np = Math.ceil(outC / 8);
  // A zero block, x, then the table, packed B and C of one pass at a time (sized for the largest).
  const most = (f: (p: ImplicitPass) => number): number => Math.max(...passes.map(f));
  const { f32, i32, at: [zero, xo, tab, bo, co] } = wasmRegions([
    inC, x.length, most((p) => p.taps * tileRows(p.rows)), most((p) => np * 8 * p.taps * inC), most((p) => tileRows(p.rows) * np * 8),
  ]);
  f32.fill(0, zero, xo);
  if ('writeInto' in x) x.writeInto(f32, xo);
  else f32.set(x, xo);
  passes.forEach((p, i) => {
    const mpad = tileRows(p.rows);
    const k = p.taps * inC;
    cachedTable(`${p.key}|${mpad}|${xo}|${zero}`, i32, tab, p.taps * mpad, () => p.fill(i32, tab, mpad, xo * 4, zero * 4));
    const pack = (): void => packPanels(f32, bo, w, k, outC, p.rowBase, p.colStride);
    if (wIsFilter) cachedPanels(w, p.key, f32, bo, np * 8 * k, pack);
    else pack();
    f32.fill(0, co, co + mpad * np * 8);
    const tiles = mpad / 4;
    const group = Math.max(1, Math.floor(TAP_GROUP_DEPTH / inC));
    const args = (t0: number, t1: number): KernelArgs<'conv_fwd'> => ({ tab: tab * 4, mpad, taps: p.taps, ci: inC, bp: bo * 4, cp: co * 4, np, t0, t1, tg: group });
    const split = worthSplitting(p.rows * k * outC) ? tiles >> 1 : 0;
    runWasm('conv_fwd', args(split, tiles), split > 0 ? args(0, split) : undefined);
    take(i, f32, co, np * 8);
  });
}

/** runImplicitPasses with each pass's (rows × outC) result copied into an output array of its own. */
function implicitPasses(x: Values, w: Values, inC: number, outC: number, passes: ImplicitPass[], wIsFilter = false): Float32Array[] {
  const outs: Float32Array[] = [];
  runImplicitPasses(x, w, inC, outC, passes, wIsFilter, (i, f32, at, stride) => {
    const rows = passes[i].rows;
    if (stride === outC) {
      outs.push(copiedOutput(f32, at, rows * outC));
      return;
    }
    const y = outputArray(rows * outC);
    for (let r = 0; r < rows; r++) y.set(f32.subarray(at + r * stride, at + r * stride + outC), r * outC);
    outs.push(y);
  });
  return outs;
}

/**
 * y = conv2d(x, w), w laid out [fh, fw, inC, outC]. With one input channel read along rows (stride 1
 * and no padding along the width), a filter row's fw taps are fw consecutive input pixels: they are
 * read as fw "channels" of fh taps (a table a fw-th the size, inner loops fw long).
 */
export function conv2dImplicit(x: Values, w: Values, g: ConvGeometry): Float32Array {
  const n = g.outC;
  if (oneChannelRowsSupported(g)) {
    const { batch, inH, inW, outH, outW, fh, fw, sh, top } = g;
    const [y] = implicitPasses(x, w, fw, n, [{
      taps: fh,
      rows: batch * outH * outW,
      key: `fwd1 ${geometryKey(g)}`,
      fill: (i32, tab, mpad, xByte, zeroByte) => {
        for (let kh = 0; kh < fh; kh++) {
          let o = tab + kh * mpad;
          for (let b = 0; b < batch; b++) {
            for (let oh = 0; oh < outH; oh++) {
              const ih = oh * sh + kh - top;
              const rowOk = ih >= 0 && ih < inH;
              const rowBase = xByte + (b * inH + ih) * inW * 4;
              for (let ow = 0; ow < outW; ow++) i32[o++] = rowOk ? rowBase + ow * 4 : zeroByte;
            }
          }
          i32.fill(zeroByte, o, tab + (kh + 1) * mpad);
        }
      },
      rowBase: (d) => d * n,
      colStride: 1,
    }], true);
    return y;
  }
  const [y] = implicitPasses(x, w, g.inC, n, [{
    taps: g.fh * g.fw,
    rows: g.batch * g.outH * g.outW,
    key: `fwd ${geometryKey(g)}`,
    fill: (i32, tab, mpad, xByte, zeroByte) => fillTable(i32, tab, g, mpad, xByte, zeroByte),
    rowBase: (d) => d * n,
    colStride: 1,
  }], true);
  return y;
}

/**
 * The input gradient of conv2d (= the forward pass of conv2dTranspose), any stride: input pixels
 * (ih, iw) fall into sh·sw phases by (ih + top) mod sh and (iw + left) mod sw; in a phase only the
 * taps kh ≡ phase (mod sh), kw likewise, reach dy, at oh = (ih + top − kh)/sh, ow = (iw + left − kw)/sw.
 * Each phase is one conv_fwd pass over dy (K = its taps · outC), scattered back into dx.
 */
export function conv2dBackpropInputImplicit(dy: Values, w: Values, g: ConvGeometry): Float32Array {
  const { batch, inH, inW, inC, outH, outW, outC, fh, fw, sh, sw, top, left } = g;
  const phases: { ihs: number[]; iws: number[]; khs: number[]; kws: number[] }[] = [];
  for (let ph = 0; ph < sh; ph++) {
    for (let pw = 0; pw < sw; pw++) {
      const ihs = range(inH).filter((ih) => mod(ih + top, sh) === ph);
      const iws = range(inW).filter((iw) => mod(iw + left, sw) === pw);
      const khs = range(fh).filter((kh) => kh % sh === ph);
      const kws = range(fw).filter((kw) => kw % sw === pw);
      if (ihs.length > 0 && iws.length > 0) phases.push({ ihs, iws, khs, kws });
    }
  }
  const passes: ImplicitPass[] = phases.map(({ ihs, iws, khs, kws }, phase) => ({
    taps: Math.max(1, khs.length * kws.length),
    rows: batch * ihs.length * iws.length,
    key: `dx ${geometryKey(g)} ${phase}`,
    fill: (i32, tab, mpad, xByte, zeroByte) => {
      const taps = khs.length * kws.length;
      if (taps === 0) i32.fill(zeroByte, tab, tab + mpad);
      const nw = iws.length;
      let t = 0;
      for (const kh of khs) {
        for (const kw of kws) {
          // byte offset in a dy row of each of the phase's columns, −1 outside dy
          const cols = Int32Array.from(iws, (iw) => {
            const ow = (iw + left - kw) / sw;
            return ow >= 0 && ow < outW ? ow * outC * 4 : -1;
          });
          let o = tab + t++ * mpad;
          const end = o + mpad;
          for (let b = 0; b < batch; b++) {
            for (let r = 0; r < ihs.length; r++, o += nw) {
              const oh = (ihs[r] + top - kh) / sh;
              if (oh < 0 || oh >= outH) {
                i32.fill(zeroByte, o, o + nw);
                continue;
              }
              const rowBase = xByte + (b * outH + oh) * outW * outC * 4;
              for (let c = 0; c < nw; c++) i32[o + c] = cols[c] < 0 ? zeroByte : rowBase + cols[c];
            }
          }
          i32.fill(zeroByte, o, end);
        }
      }
    },
    // B(t·outC + o, i) = w[kh_t, kw_t, i, o].
    rowBase: (d) => {
      const t = Math.floor(d / outC);
      if (t >= khs.length * kws.length) return -1;
      const kh = khs[Math.floor(t / kws.length)];
      const kw = kws[t % kws.length];
      return (kh * fw + kw) * inC * outC + (d - t * outC);
    },
    colStride: outC,
  }));
  // Stride 1: one phase whose rows are dx's pixels in order.
  if (sh === 1 && sw === 1) return implicitPasses(dy, w, outC, inC, passes, true)[0];
  // every pixel lies in exactly one phase: all of dx is written, each phase's rows straight from
  // the shared memory to their pixels
  const dx = outputArray(batch * inH * inW * inC);
  runImplicitPasses(dy, w, outC, inC, passes, true, (p, f32, at, stride) => {
    const { ihs, iws } = phases[p];
    let src = at;
    for (let b = 0; b < batch; b++) {
      for (const ih of ihs) {
        for (const iw of iws) {
          copyRun(f32, src, dx, ((b * inH + ih) * inW + iw) * inC, inC);
          src += stride;
        }
      }
    }
  });
  return dx;
}

/**
 * Whether the one-channel passes take this convolution (conv2dImplicit's forward,
 * conv2dBackpropFilterOneChannel, conv2dBackpropInputOneChannel): one input channel read along rows,
 * i.e. stride 1 along the width and no padding there (the I2S discriminators' first conv on the
 * padded LMS).
 */
export const oneChannelRowsSupported = (g: ConvGeometry): boolean =>
  g.inC === 1 && g.sw === 1 && g.left === 0 && g.outW - 1 + g.fw <= g.inW;

/**
 * dW [fh, fw, 1, outC] of a one-input-channel convolution as one conv_fwd pass with the roles
 * turned: its rows are the fh·fw filter taps, its taps the (image, output row) pairs, and its
 * "channels" the outW output columns, which for a filter tap (kh, kw) read outW consecutive input
 * pixels from (oh·sh + kh − top, kw): dW(kh, kw, o) = Σ_{b, oh} Σ_ow x[b, oh·sh + kh − top, ow + kw]·dy[b, oh, ow, o].
 * B is dy itself (its rows are (b, oh, ow)). im2col + GEMM built a 16 × pixels patch matrix in JS
 * for this (1.9 ms a call in an I2S tiny step).
 */
export function conv2dBackpropFilterOneChannel(x: Values, dy: Values, g: ConvGeometry): Float32Array {
  if (!oneChannelRowsSupported(g)) throw new Error('conv2dBackpropFilterOneChannel needs one input channel, stride 1 and no padding along the width');
  const { batch, inH, inW, outH, outW, outC, fh, fw, sh, top } = g;
  const [dw] = implicitPasses(x, dy, outW, outC, [{
    taps: batch * outH,
    rows: fh * fw,
    key: `dw1 ${geometryKey(g)}`,
    fill: (i32, tab, mpad, xByte, zeroByte) => {
      for (let b = 0; b < batch; b++) {
        for (let oh = 0; oh < outH; oh++) {
          const o = tab + (b * outH + oh) * mpad;
          for (let kh = 0; kh < fh; kh++) {
            const ih = oh * sh + kh - top;
            const rowOk = ih >= 0 && ih < inH;
            for (let kw = 0; kw < fw; kw++) i32[o + kh * fw + kw] = rowOk ? xByte + ((b * inH + ih) * inW + kw) * 4 : zeroByte;
          }
          i32.fill(zeroByte, o + fh * fw, o + mpad);
        }
      }
    },
    rowBase: (d) => d * outC,
    colStride: 1,
  }]);
  return dw;
}

/**
 * dx [batch, inH, inW, 1] of a one-input-channel convolution (oneChannelRowsSupported geometry:
 * the I2S D's first conv, whose input gradient im2col's col2im scattered in JS, 4–5 ms a call in an
 * I2S tiny step), one conv_fwd pass per stride phase along the height. A row is (image, dx row of
 * the phase, block of 8 dx columns), the block's 8 columns its output columns; its tap for filter
 * row kh reads dy row oh = (ih + top − kh)/sh from fw − 1 pixels before the block to its end, all
 * channels, as one run of (8 + fw − 1)·outC "channels" (dy copied with fw − 1 zero pixels on the
 * left and zeros after its end), against B(kh, (p, o), j) = w[kh, j + fw − 1 − p, 0, o] where that
 * kw lies in [0, fw), else 0: the product is (8 + fw − 1)/fw times the useful multiply-adds.
 */
export function conv2dBackpropInputOneChannel(dy: Values, w: Values, g: ConvGeometry): Float32Array {
  if (!oneChannelRowsSupported(g)) throw new Error('conv2dBackpropInputOneChannel needs one input channel, stride 1 and no padding along the width');
  const { batch, inH, inW, outH, outW, outC, fh, fw, sh, top } = g;
  const blocks = Math.ceil(inW / 8);
  const span = 8 + fw - 1;
  const ci = span * outC;
  const wp = blocks * 8 + fw - 1;
  // dy with fw − 1 zero pixels before each row and zeros after it, to the last block's end, written
  // straight into the kernels' memory
  const padded: InputWriter = {
    length: batch * outH * wp * outC,
    writeInto: (f32, at) => {
      f32.fill(0, at, at + batch * outH * wp * outC);
      for (let r = 0; r < batch * outH; r++) copyRun(dy as Float32Array, r * outW * outC, f32, at + (r * wp + fw - 1) * outC, outW * outC);
    },
  };
  const phases = range(sh)
    .map((ph) => ({ ihs: range(inH).filter((ih) => mod(ih + top, sh) === ph), khs: range(fh).filter((kh) => kh % sh === ph) }))
    .filter((p) => p.ihs.length > 0);
  // B of every phase, rows (kh, p, o) of 8 columns, one phase after the other
  const bRows = phases.map((p) => Math.max(1, p.khs.length) * ci);
  const b = new Float32Array(bRows.reduce((x, y) => x + y, 0) * 8);
  let bo = 0;
  const passes: ImplicitPass[] = phases.map(({ ihs, khs }, i) => {
    const base = bo;
    for (let t = 0; t < khs.length; t++) {
      for (let p = 0; p < span; p++) {
        for (let o = 0; o < outC; o++) {
          const row = base + ((t * span + p) * outC + o) * 8;
          for (let j = 0; j < 8; j++) {
            const kw = j + fw - 1 - p;
            if (kw >= 0 && kw < fw) b[row + j] = w[(khs[t] * fw + kw) * outC + o];
          }
        }
      }
    }
    bo += bRows[i] * 8;
    return {
      taps: Math.max(1, khs.length),
      rows: batch * ihs.length * blocks,
      key: `dx1 ${geometryKey(g)} ${i}`,
      fill: (i32, tab, mpad, xByte, zeroByte) => {
        if (khs.length === 0) i32.fill(zeroByte, tab, tab + mpad);
        khs.forEach((kh, t) => {
          let o = tab + t * mpad;
          for (let bi = 0; bi < batch; bi++) {
            for (const ih of ihs) {
              const oh = (ih + top - kh) / sh;
              const rowBase = xByte + (bi * outH + oh) * wp * outC * 4;
              if (oh < 0 || oh >= outH) i32.fill(zeroByte, o, o + blocks);
              else for (let k = 0; k < blocks; k++) i32[o + k] = rowBase + k * 8 * outC * 4;
              o += blocks;
            }
          }
          i32.fill(zeroByte, o, tab + (t + 1) * mpad);
        });
      },
      rowBase: (d) => base + d * 8,
      colStride: 1,
    };
  });
  const dx = outputArray(batch * inH * inW);
  runImplicitPasses(padded, b, ci, 8, passes, false, (p, f32, at, stride) => {
    let src = at;
    for (let bi = 0; bi < batch; bi++) {
      for (const ih of phases[p].ihs) {
        for (let k = 0; k < blocks; k++, src += stride) copyRun(f32, src, dx, (bi * inH + ih) * inW + k * 8, Math.min(8, inW - k * 8));
      }
    }
  });
  return dx;
}

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);
const mod = (a: number, n: number): number => ((a % n) + n) % n;

/** Whether conv2dBackpropFilterImplicit handles these channel counts. */
export const filterImplicitSupported = (g: ConvGeometry): boolean => g.inC % 8 === 0 && g.outC % 4 === 0;

/** dW[kh, kw, ci, co] = Σ_{b, oh, ow} x[b, oh·sh + kh − top, ow·sw + kw − left, ci]·dy[b, oh, ow, co]. */
export function conv2dBackpropFilterImplicit(x: Values, dy: Values, g: ConvGeometry): Float32Array {
  if (!filterImplicitSupported(g)) throw new Error('conv2dBackpropFilterImplicit needs inC % 8 == 0 and outC % 4 == 0');
  const { inC, outC } = g;
  const taps = g.fh * g.fw;
  const k = taps * inC;
  const m = g.batch * g.outH * g.outW;
  const { f32, i32, at: [zero, xo, dyo, tab, co] } = wasmRegions([inC, x.length, dy.length, taps * m, outC * k]);
  f32.fill(0, zero, xo);
  f32.set(x, xo);
  f32.set(dy, dyo);
  cachedTable(`dwt ${geometryKey(g)}|${xo}|${zero}`, i32, tab, taps * m, () => fillTable(i32, tab, g, m, xo * 4, zero * 4));
  f32.fill(0, co, co + outC * k);
  const npk = k / 8;
  const args = (jp0: number, jp1: number): KernelArgs<'conv_dwt'> => ({ tab: tab * 4, mpad: m, m, ci: inC, dy: dyo * 4, co: outC, cp: co * 4, npk, jp0, jp1, mb: DWT_ROW_BLOCK });
  const split = worthSplitting(m * k * outC) ? npk >> 1 : 0;
  runWasm('conv_dwt', args(split, npk), split > 0 ? args(0, split) : undefined);
  // The kernel leaves dWᵀ (outC × K); transpose to [fh, fw, inC, outC].
  const dw = new Float32Array(k * outC);
  for (let o = 0; o < outC; o++) {
    const src = co + o * k;
    for (let d = 0; d < k; d++) dw[d * outC + o] = f32[src + d];
  }
  return dw;
}
