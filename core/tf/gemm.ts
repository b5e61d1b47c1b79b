// Float32 matrix product for the studio's CPU kernels: C (m×n, dense row-major) += A (m×k) · B (k×n),
// A and B read through strides so transposes cost nothing extra. The operands are packed into
// panels (A: 4 rows, B: 8 columns, zero-padded) in the memory of a small WebAssembly module whose
// SIMD micro-kernel (gemm.wat, compiled into gemmWasm.ts) keeps a 4×8 tile of C in registers. tfjs-backend-cpu's
// own matmul/conv loops run scalar JS; this is several times faster on one core. Large products are
// split by columns of C between this thread and one worker thread that runs the same module on the
// same shared memory (AVSTUDIO_GEMM_THREADS=1 turns that off; default: 2 when the machine has ≥ 2
// cores). If WebAssembly SIMD or shared memory is unavailable, gemmAvailable() is false and callers
// keep the stock kernels. The module with relaxed-SIMD fused multiply-adds is preferred (~25 % faster
// convolutions here); Node 20 accepts it only behind V8's --experimental-wasm-relaxed-simd, which is
// switched on at run time if needed (Node ≥ 21 and Electron have it on); AVSTUDIO_WASM_FMA=0 keeps the
// plain SIMD module.
import { Worker } from 'node:worker_threads';
import { availableParallelism } from 'node:os';
import { setFlagsFromString } from 'node:v8';
import { GEMM_WASM_FMA, GEMM_WASM_SIMD } from './gemmWasm';
import { CONTROL, helperThreadSource, type HelperData } from './gemmHelperThread';
import { type KernelArgs, MAX_KERNEL_ARGS, positional, type WasmKernel, WASM_KERNELS } from './kernelSignatures';

export { WASM_KERNELS, type WasmKernel } from './kernelSignatures';


export type Values = Float32Array | Int32Array | Uint8Array;

/** Element (i, j) is data[offset + i·rowStride + j·colStride]. */
export interface Strided {
  data: Values;
  offset: number;
  rowStride: number;
  colStride: number;
}

interface WasmMemory { buffer: ArrayBuffer; grow(pages: number): number }
/** The parts of the WebAssembly global used here (the project's lib has no DOM types). */
interface WasmGlobal {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: unknown };
  Memory: new (desc: { initial: number; maximum: number; shared: boolean }) => WasmMemory;
}
type WasmFn = (...args: number[]) => void;
const MAX_ARGS = MAX_KERNEL_ARGS;

interface GemmExports {
  mem: WasmMemory;
  fns: Record<WasmKernel, WasmFn>;
  bytes: Uint8Array;
  /** Which module runs: with fused multiply-adds or plain SIMD. */
  variant: WasmVariant;
  /**
   * The second thread (started on the first large product, so probing costs no thread), null if
   * none; its control words are at the C_* indices below.
   */
  helper: { worker: Worker; ctrl: Int32Array } | null | undefined;
}

const KC = 256;
const MC_PANELS = 16;
const PAGE = 65536;
const MAX_PAGES = 32768;
/** Below this many multiply-adds a product runs on one thread (handing off costs ~0.1 ms). */
const PARALLEL_MIN_WORK = 1 << 21;

/** Whether `work` (multiply-adds, or element operations) is worth handing half of to the helper thread. */
export const worthSplitting = (work: number): boolean => work >= PARALLEL_MIN_WORK;

const C_JOB = CONTROL.job;
const C_DONE = CONTROL.done;
const C_READY = CONTROL.ready;
const C_FAILED = CONTROL.failed;
const C_KERNEL = CONTROL.kernel;
const C_ARGS = CONTROL.args;

let instance: GemmExports | null | undefined;

export type WasmVariant = 'fma' | 'simd';

const decode = (b64: string): Uint8Array => Uint8Array.from(atob(b64), (ch) => ch.charCodeAt(0));

/** Compiles the preferred module the runtime accepts. */
function compileModule(wa: WasmGlobal): { module: object; bytes: Uint8Array; variant: WasmVariant } {
  if (process.env.AVSTUDIO_WASM_FMA !== '0') {
    const bytes = decode(GEMM_WASM_FMA);
    for (const attempt of [0, 1]) {
      try {
        return { module: new wa.Module(bytes), bytes, variant: 'fma' };
      } catch {
        if (attempt === 0) setFlagsFromString('--experimental-wasm-relaxed-simd');
      }
    }
  }
  const bytes = decode(GEMM_WASM_SIMD);
  return { module: new wa.Module(bytes), bytes, variant: 'simd' };
}

function threadsWanted(): number {
  const env = Number(process.env.AVSTUDIO_GEMM_THREADS);
  if (Number.isFinite(env) && env >= 1) return Math.min(2, Math.floor(env));
  return availableParallelism() >= 2 ? 2 : 1;
}

function wasm(): GemmExports | null {
  if (instance !== undefined) return instance;
  try {
    const wa = (globalThis as unknown as { WebAssembly?: WasmGlobal }).WebAssembly;
    if (!wa) throw new Error('no WebAssembly');
    const { module, bytes, variant } = compileModule(wa);
    const mem = new wa.Memory({ initial: 1, maximum: MAX_PAGES, shared: true });
    const exports = new wa.Instance(module, { env: { mem } }).exports as Record<WasmKernel, WasmFn>;
    const fns = Object.fromEntries(WASM_KERNELS.map((name) => [name, exports[name]])) as Record<WasmKernel, WasmFn>;
    instance = { mem, fns, bytes, variant, helper: undefined };
  } catch {
    instance = null;
  }
  return instance;
}

function helperOf(w: GemmExports): GemmExports['helper'] {
  if (w.helper !== undefined) return w.helper;
  w.helper = null;
  if (threadsWanted() > 1) {
    try {
      const ctrl = new Int32Array(new SharedArrayBuffer((C_ARGS + MAX_ARGS) * 4));
      const data: HelperData = { bytes: w.bytes, mem: w.mem, ctrl: ctrl.buffer as SharedArrayBuffer, kernels: WASM_KERNELS, maxArgs: MAX_ARGS, control: CONTROL };
      const worker = new Worker(helperThreadSource(), { eval: true, execArgv: [], workerData: data });
      worker.unref();
      w.helper = { worker, ctrl };
    } catch {
      w.helper = null;
    }
  }
  return w.helper;
}

/** Threads used for large products (1 or 2), without starting the helper: it starts on the first large product (if it cannot, this thread does both halves). */
export function gemmThreads(): number {
  return wasm() && threadsWanted() > 1 ? 2 : 1;
}

/** The helper thread: not started (or not wanted / failed to start), starting, or serving jobs. */
export function gemmHelperState(): 'none' | 'starting' | 'ready' {
  const h = instance?.helper;
  if (!h) return 'none';
  return Atomics.load(h.ctrl, C_READY) === 1 ? 'ready' : 'starting';
}

/** The module in use ('fma': relaxed-SIMD fused multiply-adds, 'simd': plain), null if none instantiates. */
export function gemmVariant(): WasmVariant | null {
  return wasm()?.variant ?? null;
}

/** True when the WebAssembly SIMD kernel instantiates in this runtime. */
export function gemmAvailable(): boolean {
  return wasm() !== null;
}

function ensureBytes(w: GemmExports, bytes: number): void {
  const have = w.mem.buffer.byteLength;
  if (bytes > have) w.mem.grow(Math.ceil((bytes - have) / PAGE));
}

function wasmOrThrow(): GemmExports {
  const w = wasm();
  if (!w) throw new Error('WebAssembly SIMD GEMM is not available');
  return w;
}

/**
 * Lays out consecutive regions of `sizes` floats (i32s) from byte 0 of the shared WebAssembly
 * memory, each 16-byte aligned, grows the memory to hold them, and returns their float offsets with
 * fresh Float32/Int32/Float64 views (growing replaces the buffer). A float64 region of n values
 * needs 2n floats; its f64 index is offset / 2.
 */
export function wasmRegions(sizes: number[]): { f32: Float32Array; i32: Int32Array; f64: Float64Array; at: number[] } {
  const w = wasmOrThrow();
  const at: number[] = [];
  let end = 0;
  for (const size of sizes) {
    at.push(end);
    end += Math.ceil(size / 4) * 4;
  }
  ensureBytes(w, end * 4);
  const buf = w.mem.buffer;
  return { f32: new Float32Array(buf), i32: new Int32Array(buf), f64: new Float64Array(buf), at };
}

/**
 * Runs a kernel of the module: with `helperArgs`, the helper thread (if there is one) runs it on
 * those arguments while this thread runs `args`; without a helper this thread runs both in turn.
 */
export function runWasm<K extends WasmKernel>(kernel: K, named: KernelArgs<K>, helperNamed?: KernelArgs<K>): void {
  const args = positional(kernel, named);
  const helperArgs = helperNamed ? positional(kernel, helperNamed) : undefined;
  const w = wasmOrThrow();
  const fn = w.fns[kernel];
  const h = helperArgs ? helperOf(w) : null;
  // Until the helper reports ready (it starts in the background), this thread runs both halves.
  if (!h || !helperArgs || Atomics.load(h.ctrl, C_READY) !== 1) {
    fn(...args);
    if (helperArgs) fn(...helperArgs);
    return;
  }
  h.ctrl[C_KERNEL] = WASM_KERNELS.indexOf(kernel);
  for (let i = 0; i < MAX_ARGS; i++) h.ctrl[C_ARGS + i] = helperArgs[i] ?? 0;
  const job = Atomics.add(h.ctrl, C_JOB, 1) + 1;
  Atomics.notify(h.ctrl, C_JOB);
  fn(...args);
  for (let done = Atomics.load(h.ctrl, C_DONE); done !== job; done = Atomics.load(h.ctrl, C_DONE)) Atomics.wait(h.ctrl, C_DONE, done);
  if (Atomics.exchange(h.ctrl, C_FAILED, 0) !== 0) throw new Error(`the GEMM helper thread failed in ${kernel}`);
}

/** Packs rows [0, m) × depth [0, k) of A into 4-row panels at dst (floats). */
function packA(dst: Float32Array, a: Strided, m: number, k: number): void {
  const { data, offset, rowStride: rs, colStride: cs } = a;
  const panels = Math.ceil(m / 4);
  for (let p = 0; p < panels; p++) {
    const base = p * k * 4;
    for (let r = 0; r < 4; r++) {
      const i = p * 4 + r;
      if (i >= m) {
        for (let d = 0; d < k; d++) dst[base + d * 4 + r] = 0;
        continue;
      }
      let src = offset + i * rs;
      for (let d = 0; d < k; d++, src += cs) dst[base + d * 4 + r] = data[src];
    }
  }
}

/** Packs depth [0, k) × columns [0, n) of B into 8-column panels at dst (floats). */
function packB(dst: Float32Array, b: Strided, k: number, n: number): void {
  const { data, offset, rowStride: rs, colStride: cs } = b;
  const panels = Math.ceil(n / 8);
  for (let q = 0; q < panels; q++) {
    const base = q * k * 8;
    for (let c = 0; c < 8; c++) {
      const j = q * 8 + c;
      if (j >= n) {
        for (let d = 0; d < k; d++) dst[base + d * 8 + c] = 0;
        continue;
      }
      let src = offset + j * cs;
      for (let d = 0; d < k; d++, src += rs) dst[base + d * 8 + c] = data[src];
    }
  }
}

/**
 * c[cOffset + i·n + j] += Σ_d A(i, d)·B(d, j) for i < m, j < n (float32 accumulation in 4-lane
 * SIMD registers, summed per K block of 256).
 */
export function gemm(m: number, n: number, k: number, a: Strided, b: Strided, c: Float32Array, cOffset = 0): void {
  if (m === 0 || n === 0) return;
  const w = wasmOrThrow();
  if (k === 0) return;
  const mp = Math.ceil(m / 4);
  const np = Math.ceil(n / 8);
  const aFloats = mp * 4 * k;
  const bFloats = np * 8 * k;
  const cStride = np * 8;
  const cFloats = mp * 4 * cStride;
  ensureBytes(w, (aFloats + bFloats + cFloats) * 4);
  // A shared memory's buffer is a fresh SharedArrayBuffer view of the current size.
  const heap = new Float32Array(w.mem.buffer);
  const ap = 0;
  const bp = aFloats;
  const cp = aFloats + bFloats;
  packA(heap.subarray(ap, ap + aFloats), a, m, k);
  packB(heap.subarray(bp, bp + bFloats), b, k, n);
  heap.fill(0, cp, cp + cFloats);
  const args = (jp0: number, jp1: number): KernelArgs<'gemm'> => ({ ap: ap * 4, bp: bp * 4, cp: cp * 4, mp, np, K: k, kc: KC, mc: MC_PANELS, jp0, jp1 });
  if (np >= 2 && m * n * k >= PARALLEL_MIN_WORK && helperOf(w)) {
    // The helper takes the first half of the column panels, this thread the rest.
    const split = np >> 1;
    runWasm('gemm', args(split, np), args(0, split));
  } else {
    runWasm('gemm', args(0, np));
  }
  for (let i = 0; i < m; i++) {
    const src = cp + i * cStride;
    const dst = cOffset + i * n;
    for (let j = 0; j < n; j++) c[dst + j] += heap[src + j];
  }
}

/** Plain triple loop with the same contract (test reference). */
export function gemmReference(m: number, n: number, k: number, a: Strided, b: Strided, c: Float32Array, cOffset = 0): void {
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let d = 0; d < k; d++) {
        s += a.data[a.offset + i * a.rowStride + d * a.colStride] * b.data[b.offset + d * b.rowStride + j * b.colStride];
      }
      c[cOffset + i * n + j] += s;
    }
  }
}
