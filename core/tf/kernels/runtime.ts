// The WebAssembly runtime of the cpu-fast kernels: one module (the kernel families' .wat, compiled
// into wasmModules.ts; the variant with relaxed-SIMD fused multiply-adds when the runtime takes it,
// ~25 % faster convolutions here — Node 20 accepts it only behind V8's --experimental-wasm-relaxed-simd,
// switched on at run time if needed; AVSTUDIO_WASM_FMA=0 keeps the plain SIMD module) on one shared
// memory, laid out per call by wasmRegions; runWasm calls a kernel with named arguments
// (signatures.ts) and, for large work, hands half of it to one helper thread (helperThread.ts) that
// runs the same module on the same memory (AVSTUDIO_GEMM_THREADS=1 turns that off; default: 2 when
// the machine has ≥ 2 cores). If WebAssembly SIMD or shared memory is unavailable, gemmAvailable()
// is false and callers keep the stock kernels.
import { Worker } from 'node:worker_threads';
import { availableParallelism } from 'node:os';
import { setFlagsFromString } from 'node:v8';
import { GEMM_WASM_FMA, GEMM_WASM_SIMD } from './wasmModules';
import { CONTROL, helperThreadSource, type HelperData } from './helperThread';
import { type KernelArgs, MAX_KERNEL_ARGS, positional, type WasmKernel, WASM_KERNELS } from './signatures';

export { WASM_KERNELS, type WasmKernel } from './signatures';


export type Values = Float32Array | Int32Array | Uint8Array;

/**
 * dst[to, to + n) = src[from, from + n). Runs shorter than 16 floats element by element: a subarray
 * and a set per run (a pixel's few channels, a one-channel row) cost more than the copy itself.
 */
export function copyRun(src: Float32Array, from: number, dst: Float32Array, to: number, n: number): void {
  if (n < 16) for (let k = 0; k < n; k++) dst[to + k] = src[from + k];
  else dst.set(src.subarray(from, from + n), to);
}

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

const PAGE = 65536;
const MAX_PAGES = 32768;
/**
 * Below this many multiply-adds a product (GEMM, convolution pass, Winograd product) runs on one
 * thread. A hand-off costs ~0.1–0.2 ms inside a training step (measured: the helper starts ~130 µs
 * after the job is posted, the main thread wakes ~80 µs after it ends), and while the helper thread
 * works, V8's own background threads (garbage collection, compilation) have no second core: an I2S
 * tiny step took 94–101 ms with products split from 32 M multiply-adds against 99–114 ms from 2 M
 * (two A/B rounds; S2I tiny no different). Paper-preset products are far larger (a 3×3 128→128
 * layer at batch 64: 9.7 G).
 */
const PARALLEL_MIN_MACS = 1 << 25;
/** Below this much work (elements × a per-loop weight) an element-wise loop runs on one thread. */
const PARALLEL_MIN_LOOP_WORK = 1 << 21;

let parallelMinMacs = PARALLEL_MIN_MACS;
/** Whether a product of `macs` multiply-adds is worth handing half of to the helper thread. */
export const worthSplitting = (macs: number): boolean => macs >= parallelMinMacs;
/**
 * Splits products from `macs` multiply-adds on (tests: the two-thread paths on small inputs);
 * returns the previous threshold.
 */
export function splitProductsFrom(macs: number): number {
  const previous = parallelMinMacs;
  parallelMinMacs = macs;
  return previous;
}
/** Whether an element-wise loop of `work` (elements × weight) is worth handing half of to the helper thread. */
export const worthSplittingLoop = (work: number): boolean => work >= PARALLEL_MIN_LOOP_WORK;

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

