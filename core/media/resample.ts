// Band-limited sample-rate conversion in process, two paths:
//  1. Polyphase FIR (rates whose ratio reduces to L/M with a table of at most MAX_TABLE_COEFFS
//     coefficients — every common rate: 8, 11.025, 16, 22.05, 32, 48, 88.2, 96, 192 kHz …): a
//     Kaiser-windowed sinc low-pass whose passband is flat to 91 % of the lower Nyquist frequency and
//     whose stopband (110 dB) starts at it — the response of soxr as ffmpeg runs it
//     (`aresample=resampler=soxr`, cutoff 0.91) — tabulated per output phase and run by a
//     WebAssembly SIMD kernel (polyphase.wat): ~20–40 M output samples/s on one core here.
//     Its LMS is within ~0.01 dB (mean) of ffmpeg+soxr's (resample.test.ts).
//  2. Any other ratio: libsamplerate (Secret Rabbit Code, BSD) as compiled to JavaScript by
//     @alexanderolsen/libsamplerate-js, SINC_BEST_QUALITY (97 % bandwidth, 97 dB SNR): LMS within
//     ~0.04 dB of soxr's, but ~1.2–1.5 M output samples/s, hence only the fallback.
//
// libsamplerate-js keeps one converter state and two fixed 1,008,000-float transfer buffers per
// module instance, and cuts longer inputs itself with a streaming call that never flushes (it drops
// the tail). So we feed it blocks that always fit: each block is converted on its own with the
// `simple` API (end of input flushed), with enough real input on both sides of it to cover the sinc
// filter, and only its middle part is kept. Block edges sit on input positions that map to whole
// output samples (multiples of inRate / gcd(inRate, outRate)), so the pieces join exactly where a
// one-pass conversion would have put its samples.
import * as libNs from '@alexanderolsen/libsamplerate-js';
import { AvError } from '../errors';
import { POLYPHASE_WASM } from './polyphaseWasm';

type Lib = typeof import('@alexanderolsen/libsamplerate-js');
type Src = Awaited<ReturnType<Lib['create']>>;
// a UMD/CommonJS package: Node's ESM loader puts module.exports on `default`, bundlers inline it
const lib: Lib = (libNs as unknown as { default?: Lib }).default ?? (libNs as unknown as Lib);

/** The converter used (libsamplerate SRC_SINC_MEDIUM_QUALITY). */
export const RESAMPLER = 'libsamplerate sinc-best';
const CONVERTER = 0; // SRC_SINC_BEST_QUALITY
/** Size of the package's transfer buffers, in floats. */
const BUFFER_FLOATS = 1_008_000;
/** What a block (with its margins) may fill of them, in and out. */
const BLOCK_FLOATS = 900_000;
/** Input samples of context on each side of a block (the sinc filter reaches ~143 input samples to each side at ratio ≥ 1, ~620 at 192 → 44.1 kHz). */
const MIN_MARGIN = 1024;
/** Rates the package accepts. */
export const MAX_RESAMPLE_RATE = 192_000;

const converters = new Map<string, Promise<Src>>();

/** One converter per rate pair, created once (each holds its own small module instance). */
function converter(inRate: number, outRate: number): Promise<Src> {
  const key = `${inRate}>${outRate}`;
  let c = converters.get(key);
  if (!c) {
    c = lib.create(1, inRate, outRate, { converterType: CONVERTER });
    converters.set(key, c);
    c.catch(() => converters.delete(key));
  }
  return c;
}

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}

/** Number of output samples for `n` input samples: round(n · outRate / inRate). */
export function resampledLength(n: number, inRate: number, outRate: number): number {
  return Math.round((n * outRate) / inRate);
}

export type ResamplerKind = 'polyphase' | 'libsamplerate';

export interface ResampleOptions {
  file?: string;
  /** Tests only: force a path. */
  resampler?: ResamplerKind;
  /** Tests only: cap on the input (libsamplerate) / output (polyphase) samples per block, to exercise block joins. */
  maxBlock?: number;
}

/** Which path converts inRate → outRate. */
export function resamplerFor(inRate: number, outRate: number): ResamplerKind {
  return polyKernel() && polyphaseDesign(inRate, outRate) ? 'polyphase' : 'libsamplerate';
}

/**
 * Converts mono `input` from `inRate` to `outRate` Hz. Returns `resampledLength(input.length, …)`
 * samples, sample i at time i / outRate (no delay; zeros assumed before and after the input).
 * Long inputs are converted block by block, yielding to the event loop between blocks.
 */
export async function resampleMono(input: Float32Array, inRate: number, outRate: number, opts: ResampleOptions = {}): Promise<Float32Array> {
  const { file } = opts;
  for (const r of [inRate, outRate]) {
    if (!Number.isInteger(r) || r < 1 || r > MAX_RESAMPLE_RATE) throw new AvError('unsupported', `cannot resample at ${r} Hz (1 … ${MAX_RESAMPLE_RATE} Hz)`, { file });
  }
  if (inRate === outRate) return input.slice();
  const kind = opts.resampler ?? resamplerFor(inRate, outRate);
  if (kind === 'polyphase') {
    const d = polyphaseDesign(inRate, outRate);
    if (!d) throw new AvError('unsupported', `no polyphase table for ${inRate} Hz → ${outRate} Hz`, { file });
    return polyphase(input, inRate, outRate, d, opts.maxBlock ?? POLY_BLOCK_OUT);
  }
  return libsamplerate(input, inRate, outRate, file, opts.maxBlock ?? Infinity);
}

async function libsamplerate(input: Float32Array, inRate: number, outRate: number, file: string | undefined, maxBlock: number): Promise<Float32Array> {
  const outLen = resampledLength(input.length, inRate, outRate);
  const out = new Float32Array(outLen);
  if (outLen === 0) return out;
  const src = await converter(inRate, outRate);
  const g = gcd(inRate, outRate);
  const P = inRate / g; // input samples per …
  const Q = outRate / g; // … this many output samples, exactly
  const ratio = outRate / inRate;
  const margin = P * Math.ceil(MIN_MARGIN / P);
  // a block plus its two margins must fit the transfer buffers on the way in and on the way out
  const maxIn = Math.floor(BLOCK_FLOATS / Math.max(1, ratio)) - 2 * margin;
  if (maxIn < P) throw new AvError('unsupported', `cannot resample ${inRate} Hz → ${outRate} Hz in blocks`, { file });
  const block = P * Math.max(1, Math.floor(Math.min(maxIn, maxBlock) / P));
  const scratch = new Float32Array(Math.min(BUFFER_FLOATS, block + 2 * margin));
  for (let start = 0; start < input.length; start += block) {
    const from = Math.max(0, start - margin);
    const to = Math.min(input.length, start + block + margin);
    // a fresh, zero-offset array: the package ignores byteOffset when it splits large inputs
    const piece = to - from === scratch.length ? scratch : new Float32Array(to - from);
    piece.set(input.subarray(from, to));
    const converted = src.simple(piece);
    // start and from are multiples of P, so they map to whole output samples
    const outStart = (start / P) * Q;
    const skip = ((start - from) / P) * Q;
    const want = Math.min(outLen, ((start + block) / P) * Q) - outStart;
    const have = Math.min(want, converted.length - skip);
    if (have > 0) out.set(converted.subarray(skip, skip + have), outStart);
    // the converter may end a sample short of round(n·ratio) at the very end: repeat its last value
    for (let i = Math.max(0, have); i < want; i++) out[outStart + i] = have > 0 ? converted[skip + have - 1] : 0;
    if (start + block < input.length) await new Promise<void>((r) => setImmediate(r));
  }
  return out;
}

// ---- polyphase FIR -------------------------------------------------------------------------------

/** Passband edge and stopband attenuation of the polyphase low-pass (soxr's defaults in ffmpeg: cutoff 0.91). */
const PASSBAND = 0.91;
const STOPBAND_DB = 110;
/** Largest phase table (L rows × taps): 8 MB of float32. Ratios needing more use libsamplerate. */
const MAX_TABLE_COEFFS = 2_000_000;
/** Outputs per kernel call (bounds the WebAssembly memory a long track needs). */
const POLY_BLOCK_OUT = 1 << 16;

export interface PolyphaseDesign {
  /** outRate / g and inRate / g, g = gcd. */
  L: number;
  M: number;
  /** Taps per output (a multiple of 8 ± 4), centred: tap i reads input base − half + 1 + i. */
  taps: number;
  half: number;
  /** L rows of `taps` coefficients, row p for outputs at input position base + p / L. */
  table: Float32Array;
}

const designs = new Map<string, PolyphaseDesign | null>();

function besselI0(x: number): number {
  let sum = 1;
  let term = 1;
  for (let k = 1; k < 200; k++) {
    term *= (x / (2 * k)) ** 2;
    sum += term;
    if (term < 1e-12 * sum) break;
  }
  return sum;
}

/** The Kaiser-windowed sinc table for inRate → outRate, or null when it would exceed MAX_TABLE_COEFFS. */
export function polyphaseDesign(inRate: number, outRate: number): PolyphaseDesign | null {
  const key = `${inRate}>${outRate}`;
  if (designs.has(key)) return designs.get(key)!;
  const g = gcd(inRate, outRate);
  const L = outRate / g;
  const M = inRate / g;
  const nyquist = Math.min(inRate, outRate) / 2;
  const width = (1 - PASSBAND) * nyquist; // transition band, Hz
  const cutoff = ((1 + PASSBAND) / 2) * nyquist; // its middle (−6 dB)
  // Kaiser's estimate of the length for STOPBAND_DB over that transition, at the input rate
  const n = Math.ceil((STOPBAND_DB - 8) / (2.285 * ((2 * Math.PI * width) / inRate)));
  const half = 2 * Math.ceil(n / 4);
  const taps = 2 * half; // a multiple of 4 for the SIMD kernel
  if (L * taps > MAX_TABLE_COEFFS) {
    designs.set(key, null);
    return null;
  }
  const beta = 0.1102 * (STOPBAND_DB - 8.7);
  const i0Beta = besselI0(beta);
  const gain = (2 * cutoff) / inRate;
  const table = new Float32Array(L * taps);
  for (let p = 0; p < L; p++) {
    for (let i = 0; i < taps; i++) {
      const d = half - 1 - i + p / L; // distance, in input samples, from the tap to the output position
      const x = gain * d;
      const sinc = x === 0 ? 1 : Math.sin(Math.PI * x) / (Math.PI * x);
      const r = d / half;
      const w = Math.abs(r) >= 1 ? 0 : besselI0(beta * Math.sqrt(1 - r * r)) / i0Beta;
      table[p * taps + i] = gain * sinc * w;
    }
  }
  const design = { L, M, taps, half, table };
  designs.set(key, design);
  return design;
}

type FirKernel = (x: number, tab: number, out: number, n: number, base: number, phase: number, L: number, mdiv: number, mmod: number, taps: number) => void;
interface WasmMemory {
  buffer: ArrayBuffer;
  grow(pages: number): number;
}
/** The parts of the WebAssembly global used here (the project's lib has no DOM types). */
interface WasmGlobal {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
  Memory: new (desc: { initial: number }) => WasmMemory;
}
interface PolyKernel {
  mem: WasmMemory;
  fir: FirKernel;
  tableOf: PolyphaseDesign | null;
}

let kernel: PolyKernel | null | undefined;

/** The SIMD kernel, or null where WebAssembly SIMD is unavailable (then libsamplerate does all ratios). */
function polyKernel(): PolyKernel | null {
  if (kernel === undefined) {
    try {
      const wa = (globalThis as unknown as { WebAssembly?: WasmGlobal }).WebAssembly;
      if (!wa) throw new Error('no WebAssembly');
      const mem = new wa.Memory({ initial: 1 });
      const inst = new wa.Instance(new wa.Module(Buffer.from(POLYPHASE_WASM, 'base64')), { env: { mem } });
      kernel = { mem, fir: inst.exports.fir as FirKernel, tableOf: null };
    } catch {
      kernel = null;
    }
  }
  return kernel;
}

async function polyphase(input: Float32Array, inRate: number, outRate: number, d: PolyphaseDesign, blockOut: number): Promise<Float32Array> {
  const { L, M, taps, half, table } = d;
  const outLen = resampledLength(input.length, inRate, outRate);
  const out = new Float32Array(outLen);
  const k = polyKernel();
  if (!k) return libsamplerate(input, inRate, outRate, undefined, Infinity);
  const maxIn = Math.ceil((blockOut * M) / L) + taps + 8;
  // layout: [table][input block][output block], 16-byte aligned
  const tabBytes = table.length * 4;
  const xOff = Math.ceil(tabBytes / 16) * 16;
  const outOff = xOff + Math.ceil((maxIn * 4) / 16) * 16;
  const need = outOff + blockOut * 4;
  for (let j0 = 0; j0 < outLen; j0 += blockOut) {
    if (k.mem.buffer.byteLength < need) k.mem.grow(Math.ceil((need - k.mem.buffer.byteLength) / 65536));
    if (k.tableOf !== d) {
      new Float32Array(k.mem.buffer, 0, table.length).set(table);
      k.tableOf = d;
    }
    const n = Math.min(blockOut, outLen - j0);
    // output j0 sits at input position j0·M / L = base + phase / L (exact integer arithmetic, < 2^53)
    let base = Math.floor((j0 * M) / L);
    let phase = j0 * M - base * L;
    if (phase < 0) [base, phase] = [base - 1, phase + L];
    if (phase >= L) [base, phase] = [base + 1, phase - L];
    const last = Math.floor(((j0 + n - 1) * M) / L) + 1;
    const from = base - half + 1; // first input read
    const count = last + half - from + 1;
    const x = new Float32Array(k.mem.buffer, xOff, count);
    x.fill(0);
    const lo = Math.max(0, from);
    const hi = Math.min(input.length, from + count);
    if (hi > lo) x.set(input.subarray(lo, hi), lo - from);
    k.fir(xOff, 0, outOff, n, 0, phase, L, Math.floor(M / L), M % L, taps);
    out.set(new Float32Array(k.mem.buffer, outOff, n), j0);
    if (j0 + blockOut < outLen) await new Promise<void>((r) => setImmediate(r));
  }
  return out;
}
