// Output arrays of the cpu-fast kernels, recycled while a training step runs. A paper-preset I2S step
// allocates a few hundred fresh 32 MiB outputs; each fresh block is new memory from the system,
// and every page of it faults on first touch (with V8 counting each block as external memory that
// drives its collections): measured here, a leaky-ReLU gradient on 64×32×32×128 took 18 ms when its
// output memory was warm and 82 ms on average inside the step. So, inside `recyclingOutputs`, a
// kernel's large output comes from a pool of blocks of the same length that earlier outputs of
// these kernels left when their tensors were disposed (recycledOutputs.ts tells us when: no live
// tensor of the backend, view or not, still refers to the block).
//
// Only blocks handed out here, inside the scope, are ever reused; arrays handed to user code by
// dataSync() outside a training step are never taken back. The pool is bounded (POOL_MAX_BYTES).
import { totalmem } from 'node:os';

/**
 * Outputs below this many floats (4 KiB) come from `new Float32Array`. Small outputs are pooled too:
 * each fresh block counts as external memory, and at the tiny presets, whose outputs are mostly
 * 16K–256K floats, that pressure ran ~2 full collections per step (I2S tiny: 96 mark-compacts in 46
 * steps with a 1 MiB threshold, 29 with this one; steps 160–200 → 120–160 ms; S2I tiny 14–19 → 12–16).
 */
export const POOLED_MIN_FLOATS = 1 << 10;
/**
 * The free blocks kept at most, in bytes: 8 GiB (an I2S paper step at batch 64 reuses most of its
 * outputs at that size, with 1 GiB it reused an eighth), at most a third of the machine's memory.
 */
const POOL_MAX_BYTES = Math.min(8 * 2 ** 30, Math.floor(totalmem() / 3));

const free = new Map<number, Float32Array[]>();
let freeBytes = 0;
/** Blocks handed out by outputArray inside the scope: only these come back to the pool. */
const ours = new WeakSet<ArrayBuffer>();
let depth = 0;
/** Pooled-size outputs handed out inside the scope: fresh blocks and reused ones (bench and tests). */
const handed = { fresh: 0, reused: 0 };

/** A float32 output of `length` elements, contents unspecified (every element must be written). */
export function outputArray(length: number): Float32Array {
  if (depth === 0 || length < POOLED_MIN_FLOATS) return new Float32Array(length);
  const reused = free.get(length)?.pop();
  if (reused) {
    handed.reused++;
    freeBytes -= reused.byteLength;
    return reused;
  }
  handed.fresh++;
  const fresh = new Float32Array(length);
  ours.add(fresh.buffer);
  return fresh;
}

/** An output array of `length` elements all equal to `value` (a fresh block is zeros already). */
export function filledOutput(length: number, value: number): Float32Array {
  const fresh = handed.fresh;
  const out = outputArray(length);
  const zeroed = depth === 0 || length < POOLED_MIN_FLOATS || handed.fresh > fresh;
  if (value !== 0 || !zeroed) out.fill(value);
  return out;
}

/** A copy of src[from, from + length) in an output array. */
export function copiedOutput(src: Float32Array, from: number, length: number): Float32Array {
  const out = outputArray(length);
  out.set(src.subarray(from, from + length));
  return out;
}

/** Whether `buffer` is a block of this pool (tracked by the backend hook). */
export const pooledBlock = (buffer: ArrayBufferLike): boolean => ours.has(buffer as ArrayBuffer);

/** Takes back a block no tensor refers to any more (kept only while recycling, and while the pool has room). */
export function returnBlock(buffer: ArrayBufferLike): void {
  if (!ours.has(buffer as ArrayBuffer)) return;
  if (depth === 0 || freeBytes + buffer.byteLength > POOL_MAX_BYTES) {
    ours.delete(buffer as ArrayBuffer);
    return;
  }
  const block = new Float32Array(buffer);
  const list = free.get(block.length) ?? [];
  list.push(block);
  free.set(block.length, list);
  freeBytes += buffer.byteLength;
}

/** Runs `f` with recycling on (nested scopes are one scope). */
export function recyclingOutputs<T>(f: () => T): T {
  depth++;
  try {
    return f();
  } finally {
    depth--;
  }
}

/** Pooled-size outputs handed out so far (fresh and reused blocks) and the bytes of free blocks held. */
export const outputPoolStats = (): { fresh: number; reused: number; freeBytes: number } => ({ ...handed, freeBytes });

/** Lets go of every free block (the next step allocates afresh). */
export function drainOutputPool(): void {
  for (const list of free.values()) for (const b of list) ours.delete(b.buffer as ArrayBuffer);
  free.clear();
  freeBytes = 0;
}
