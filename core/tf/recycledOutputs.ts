// The backend side of kernels/outputArrays.ts: which pooled output blocks no tensor refers to any
// more. The cpu backend keeps each tensor's values in its data store (set when a kernel's output is
// written or moved, deleted when the last reference goes); a stock kernel may hand out a view of
// another tensor's block (tfjs's simple Slice returns a subarray) or the same array again. So the
// hook counts, for each pooled block, the store entries whose values lie in it, views included, and
// gives the block back to the pool only when that count reaches zero.
import { pooledBlock, recyclingOutputs, returnBlock } from './kernels/outputArrays';
import type { Tf } from './tfTypes';

interface Entry { values?: unknown }
interface DataStore {
  has(dataId: object): boolean;
  get(dataId: object): Entry;
  set(dataId: object, value: Entry): void;
  delete(dataId: object): boolean;
}

const hooked = new WeakSet<object>();
const refs = new Map<ArrayBufferLike, number>();

function blockOf(entry: Entry | undefined): ArrayBufferLike | null {
  const v = entry?.values;
  return v instanceof Float32Array && pooledBlock(v.buffer) ? v.buffer : null;
}

function release(block: ArrayBufferLike | null): void {
  if (!block) return;
  const n = (refs.get(block) ?? 1) - 1;
  if (n > 0) {
    refs.set(block, n);
    return;
  }
  refs.delete(block);
  returnBlock(block);
}

/** Counts references to pooled blocks in the cpu backend's data store (once per backend). */
function hookStore(store: DataStore): void {
  if (hooked.has(store)) return;
  hooked.add(store);
  const set = store.set.bind(store);
  const del = store.delete.bind(store);
  store.set = (dataId, value) => {
    const before = store.has(dataId) ? blockOf(store.get(dataId)) : null;
    set(dataId, value);
    const block = blockOf(value);
    if (block) refs.set(block, (refs.get(block) ?? 0) + 1);
    release(before);
  };
  store.delete = (dataId) => {
    const block = store.has(dataId) ? blockOf(store.get(dataId)) : null;
    const deleted = del(dataId);
    release(block);
    return deleted;
  };
}

/**
 * Runs one training step with the cpu-fast kernels' large outputs recycled (kernels/outputArrays.ts).
 * On any other backend (tfjs-node, or no data store to hook) it just runs `f`.
 */
export function withRecycledOutputs<T>(tf: Tf, f: () => T): T {
  if (tf.getBackend() !== 'cpu') return f();
  const store = (tf.backend() as unknown as { data?: DataStore }).data;
  if (!store || typeof store.set !== 'function' || typeof store.delete !== 'function') return f();
  hookStore(store);
  return recyclingOutputs(f);
}
