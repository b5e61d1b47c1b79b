// Float32 matrix product for the studio's CPU kernels: C (m×n, dense row-major) += A (m×k) · B (k×n),
// A and B read through strides so transposes cost nothing extra. The operands are packed into
// panels (A: 4 rows, B: 8 columns, zero-padded) in the memory of a small WebAssembly module whose
// SIMD micro-kernel (gemm.wat; its bytes below) keeps a 4×8 tile of C in registers. tfjs-backend-cpu's
// own matmul/conv loops run scalar JS; this is several times faster on one core. If WebAssembly SIMD
// is unavailable, gemmAvailable() is false and callers keep the stock kernels.

/** wat2wasm core/training/gemm.wat -o - | base64 -w0 */
const GEMM_WASM_BASE64 =
  'AGFzbQEAAAABDAFgCH9/f39/f39/AAMCAQAFAwEAAQcOAgNtZW0CAARnZW1tAAAK0gUBzwUCC38LeyAEQSBsIRJBACEIAkADQCAIIAVODQEgBSAIayEJIAkgBkoEQCAGIQkLQQAhCgJAA0AgCiADTg0BIAogB2ohCyALIANKBEAgAyELC0EAIQwCQANAIAwgBE4NASAKIQ0CQANAIA0gC04NASAAIA0gBWwgCGpBBHRqIQ4gASAMIAVsIAhqQQV0aiEPIA4gCUEEdGohEP0MAAAAAAAAAAAAAAAAAAAAACEW/QwAAAAAAAAAAAAAAAAAAAAAIRf9DAAAAAAAAAAAAAAAAAAAAAAhGP0MAAAAAAAAAAAAAAAAAAAAACEZ/QwAAAAAAAAAAAAAAAAAAAAAIRr9DAAAAAAAAAAAAAAAAAAAAAAhG/0MAAAAAAAAAAAAAAAAAAAAACEc/QwAAAAAAAAAAAAAAAAAAAAAIR0CQANAIA4gEE8NASAP/QAEACETIA/9AAQQIRQgDv0JAgAhFSAWIBUgE/3mAf3kASEWIBcgFSAU/eYB/eQBIRcgDv0JAgQhFSAYIBUgE/3mAf3kASEYIBkgFSAU/eYB/eQBIRkgDv0JAgghFSAaIBUgE/3mAf3kASEaIBsgFSAU/eYB/eQBIRsgDv0JAgwhFSAcIBUgE/3mAf3kASEcIB0gFSAU/eYB/eQBIR0gDkEQaiEOIA9BIGohDwwACwsgAiANQQJ0IBJsIAxBBXRqaiERIBEgEf0ABAAgFv3kAf0LBAAgESAR/QAEECAX/eQB/QsEECARIBJqIREgESAR/QAEACAY/eQB/QsEACARIBH9AAQQIBn95AH9CwQQIBEgEmohESARIBH9AAQAIBr95AH9CwQAIBEgEf0ABBAgG/3kAf0LBBAgESASaiERIBEgEf0ABAAgHP3kAf0LBAAgESAR/QAEECAd/eQB/QsEECANQQFqIQ0MAAsLIAxBAWohDAwACwsgCyEKDAALCyAIIAZqIQgMAAsLCw==';

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
}

interface GemmExports {
  mem: WasmMemory;
  gemm: (ap: number, bp: number, cp: number, mp: number, np: number, k: number, kc: number, mc: number) => void;
}

const KC = 256;
const MC_PANELS = 16;
const PAGE = 65536;

let instance: GemmExports | null | undefined;

function wasm(): GemmExports | null {
  if (instance !== undefined) return instance;
  try {
    const bytes = Uint8Array.from(atob(GEMM_WASM_BASE64), (ch) => ch.charCodeAt(0));
    const wa = (globalThis as unknown as { WebAssembly?: WasmGlobal }).WebAssembly;
    if (!wa) throw new Error('no WebAssembly');
    instance = new wa.Instance(new wa.Module(bytes), {}).exports as GemmExports;
  } catch {
    instance = null;
  }
  return instance;
}

/** True when the WebAssembly SIMD kernel instantiates in this runtime. */
export function gemmAvailable(): boolean {
  return wasm() !== null;
}

function ensureBytes(w: GemmExports, bytes: number): void {
  const have = w.mem.buffer.byteLength;
  if (bytes > have) w.mem.grow(Math.ceil((bytes - have) / PAGE));
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
  const w = wasm();
  if (!w) throw new Error('WebAssembly SIMD GEMM is not available');
  if (k === 0) return;
  const mp = Math.ceil(m / 4);
  const np = Math.ceil(n / 8);
  const aFloats = mp * 4 * k;
  const bFloats = np * 8 * k;
  const cStride = np * 8;
  const cFloats = mp * 4 * cStride;
  ensureBytes(w, (aFloats + bFloats + cFloats) * 4);
  const heap = new Float32Array(w.mem.buffer);
  const ap = 0;
  const bp = aFloats;
  const cp = aFloats + bFloats;
  packA(heap.subarray(ap, ap + aFloats), a, m, k);
  packB(heap.subarray(bp, bp + bFloats), b, k, n);
  heap.fill(0, cp, cp + cFloats);
  w.gemm(ap * 4, bp * 4, cp * 4, mp, np, k, KC, MC_PANELS);
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
