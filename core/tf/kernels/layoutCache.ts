// What the implicit convolutions (conv.ts) lay out in the kernels' memory before each pass, kept
// between calls: address tables and packed filters. A training step runs the same geometries again
// and again with the same weights (each D layer forward four times a step, on real, wrong and fake
// pairs and the fake again for G; its input gradient as often), and in an I2S tiny step of ~200 ms
// filling tables in JS took ~22 ms and packing filters ~8.5. A hit copies the saved layout into place.
//
// - A table depends only on the geometry, the pass and where the regions lie (wasmRegions lays them
//   out from the sizes alone), never on values: saved under a key that names all of these.
// - A packed filter depends on the filter's values: saved per filter array (WeakMap: dropped with
//   the array). Only arrays that no kernel writes again: a variable's values (Adam writes new arrays
//   each step, kernels never write their inputs), not the recycled output blocks (outputArrays.ts),
//   whose contents change when they are handed out again.
import { pooledBlock } from './outputArrays';
import type { Values } from './runtime';

/** Saved tables hold at most this many addresses (64 MiB); beyond it the cache starts again empty. */
const MAX_ENTRIES = 16 * 2 ** 20;

const tables = new Map<string, Int32Array>();
let entries = 0;
const panels = new WeakMap<object, Map<string, Float32Array>>();
const counts = { tableHits: 0, tableMisses: 0, packHits: 0, packMisses: 0 };

/**
 * Writes the table `key` (its `length` addresses) at i32[at]: the saved copy if there is one, else
 * `fill()` writes it there and a copy is saved. `key` must name everything the table depends on.
 */
export function cachedTable(key: string, i32: Int32Array, at: number, length: number, fill: () => void): void {
  const saved = tables.get(key);
  if (saved && saved.length === length) {
    counts.tableHits++;
    i32.set(saved, at);
    return;
  }
  counts.tableMisses++;
  fill();
  if (length > MAX_ENTRIES) return;
  if (entries + length > MAX_ENTRIES) {
    tables.clear();
    entries = 0;
  }
  tables.set(key, i32.slice(at, at + length));
  entries += length;
}

/**
 * Writes filter w's packed panels for the pass `key` (`length` floats) at f32[at]: the saved copy
 * for this array if there is one, else `pack()` writes them and a copy is kept with the array.
 * A recycled output block is packed every time.
 */
export function cachedPanels(w: Values, key: string, f32: Float32Array, at: number, length: number, pack: () => void): void {
  if (pooledBlock(w.buffer)) {
    pack();
    return;
  }
  let saved = panels.get(w);
  const hit = saved?.get(key);
  if (hit && hit.length === length) {
    counts.packHits++;
    f32.set(hit, at);
    return;
  }
  counts.packMisses++;
  pack();
  if (!saved) panels.set(w, (saved = new Map()));
  saved.set(key, f32.slice(at, at + length));
}

/** Hits and misses so far (tests). */
export const layoutCacheCounts = (): typeof counts => ({ ...counts });
