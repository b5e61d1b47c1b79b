// The WebAssembly kernels' parameters, by name and in the order the kernels' .wat files declare them: the one table
// the TypeScript callers go through (runWasm takes named arguments and lays them out from it) and a
// test compares with the wat's own `(param $…)` lists, so a kernel whose parameters change in the wat
// cannot be called with the old layout. The key order is the kernel numbering of the helper thread's
// job protocol. Byte addresses are into the shared memory; `r0`/`r1` (and `t0`/`t1`, `jp0`/`jp1`)
// bound the range of rows / tiles / column panels one thread computes.
export const KERNEL_PARAMS = {
  /** C panels += packed A panels · packed B panels, column panels [jp0, jp1) */
  gemm: ['ap', 'bp', 'cp', 'mp', 'np', 'K', 'kc', 'mc', 'jp0', 'jp1'],
  /** implicit-GEMM convolution forward over row tiles [t0, t1), taps in groups of tg */
  conv_fwd: ['tab', 'mpad', 'taps', 'ci', 'bp', 'cp', 'np', 't0', 't1', 'tg'],
  /** filter gradient dWᵀ for column panels [jp0, jp1), rows walked in blocks of mb */
  conv_dwt: ['tab', 'mpad', 'm', 'ci', 'dy', 'co', 'cp', 'npk', 'jp0', 'jp1', 'mb'],
  /** per-channel Σ(x − shift), Σ(x − shift)² (float64) over rows [r0, r1) */
  bn_stats: ['x', 'shift', 's1', 's2', 'c', 'r0', 'r1'],
  /** per-channel Σdy, Σdy·(x − mean) (float64) over rows [r0, r1) */
  bn_gsums: ['dy', 'x', 'mean', 's1', 's2', 'c', 'r0', 'r1'],
  /** y = (x − mean)·a + b per channel, rows [r0, r1) */
  bn_affine: ['x', 'y', 'mean', 'a', 'b', 'c', 'r0', 'r1'],
  /** the batch-norm input gradient from dy, x, the mean and three per-channel coefficients, rows [r0, r1) */
  bn_dx: ['dy', 'x', 'dx', 'mean', 'a', 'e', 'b', 'c', 'r0', 'r1'],
  /** y = leaky ReLU(x), alpha as float32 bits, 4-float groups [r0, r1) */
  lrelu: ['x', 'y', 'alpha', 'r0', 'r1'],
  /** dx = dy where x > 0, else alpha·dy; 4-float groups [r0, r1) */
  lrelu_grad: ['dy', 'x', 'dx', 'alpha', 'r0', 'r1'],
  /** y = max(x, 0); 4-float groups [r0, r1) */
  relu: ['x', 'y', 'r0', 'r1'],
  /** Winograd F(2×2, 3×3) forward (stride 1) over tiles [t0, t1), in blocks of tb tiles */
  wino_fwd: ['x', 'zero', 'h', 'w', 'c', 'top', 'left', 'th', 'tw', 'y', 'oh', 'ow', 'co', 'bp', 'np', 'tab', 'wk', 'v', 'm', 'tb', 't0', 't1'],
  /** Winograd F(2×2, 3×3) filter gradient, transformed (dUᵀ per tile position), over tiles [t0, t1) */
  wino_dwt: ['x', 'zero', 'h', 'w', 'c', 'top', 'left', 'th', 'tw', 'dy', 'oh', 'ow', 'co', 'acc', 'tab', 'wk', 'v', 'dm', 'tb', 't0', 't1'],
} as const;

export type WasmKernel = keyof typeof KERNEL_PARAMS;
/** The named arguments of a kernel (all i32: addresses, counts, float bits). */
export type KernelArgs<K extends WasmKernel> = { [P in (typeof KERNEL_PARAMS)[K][number]]: number };

/** The kernels in protocol order. */
export const WASM_KERNELS = Object.keys(KERNEL_PARAMS) as WasmKernel[];
/** The most parameters any kernel takes (the helper's argument words). */
export const MAX_KERNEL_ARGS = Math.max(...Object.values(KERNEL_PARAMS).map((p) => p.length));

/** Named arguments → the positional list the wasm export takes. */
export function positional<K extends WasmKernel>(kernel: K, args: KernelArgs<K>): number[] {
  const names = KERNEL_PARAMS[kernel] as readonly string[];
  return names.map((p) => {
    const v = (args as Record<string, number>)[p];
    if (!Number.isInteger(v)) throw new Error(`kernel ${kernel}: argument ${p} is ${v}, not an integer`);
    return v;
  });
}
