// The GEMM helper thread (gemm.ts): it instantiates the same WebAssembly module on the shared memory,
// then runs one kernel call per job until the process exits. The job protocol is a small Int32Array
// of control words (CONTROL below). The thread body is a real, typechecked and linted function; the
// worker is started from its source text (`helperThreadSource`) with no execArgv, so it needs no
// loader or bundled file and flags such as --input-type do not reach it. The function must therefore
// use nothing from outside its own body: everything it needs comes in workerData.

/** Indices of the control words shared with the helper. */
export const CONTROL = {
  /** job sequence number, bumped by the caller for each job */
  job: 0,
  /** last job the helper finished */
  done: 1,
  /** 1 once the helper has instantiated the module (jobs are only handed over after that) */
  ready: 2,
  /** 1 if the last job threw */
  failed: 3,
  /** index of the kernel to run, in the order of `kernels` */
  kernel: 4,
  /** first of the kernel's arguments */
  args: 5,
} as const;

/** What the helper receives as workerData. */
export interface HelperData {
  bytes: Uint8Array;
  mem: { grow(pages: number): number };
  ctrl: SharedArrayBuffer;
  kernels: readonly string[];
  maxArgs: number;
  control: typeof CONTROL;
}

interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, (...args: number[]) => void> };
}

/** The helper thread's body (runs in the worker; never returns). */
export function helperThreadMain(data: HelperData): void {
  const { bytes, mem, ctrl: sab, kernels, maxArgs, control: C } = data;
  const ctrl = new Int32Array(sab);
  const wa = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;
  const exp = new wa.Instance(new wa.Module(bytes), { env: { mem } }).exports;
  const fns = kernels.map((name) => exp[name]);
  Atomics.store(ctrl, C.ready, 1);
  let seen = 0;
  for (;;) {
    Atomics.wait(ctrl, C.job, seen);
    seen = Atomics.load(ctrl, C.job);
    try {
      // The caller may have grown the shared memory just before this job. V8 lets another agent see
      // such growth lazily (until it grows the memory itself); grow(0) refreshes this thread's view
      // of it for ~1 µs. Suspected cause of one unexplained "helper thread failed in conv_fwd".
      mem.grow(0);
      fns[ctrl[C.kernel]](...ctrl.subarray(C.args, C.args + maxArgs));
    } catch {
      Atomics.store(ctrl, C.failed, 1);
    }
    Atomics.store(ctrl, C.done, seen);
    Atomics.notify(ctrl, C.done);
  }
}

/** CommonJS source that runs helperThreadMain on the worker's workerData (for `new Worker(src, { eval: true })`). */
export function helperThreadSource(): string {
  return `(${helperThreadMain.toString()})(require('node:worker_threads').workerData);`;
}
