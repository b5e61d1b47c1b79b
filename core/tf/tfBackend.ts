// Picks the TensorFlow.js package a training process uses: the CUDA add-on, then the native CPU
// add-on, then the pure-JavaScript CPU backend that always installs (docs/ARCHITECTURE.md,
// "Decisions taken from peers": CPU fallback). The native add-ons re-export the whole `@tensorflow/tfjs` namespace, so the
// model code takes that namespace as a parameter and runs unchanged on any of them.
import { useCpuKernels } from './cpuGemmKernels';
import { cpuFastWanted, type BackendKind } from './tfBackendProbe';
import type { Tf } from './tfTypes';

export type { Tf } from './tfTypes';
/** 'cpu-fast': the pure-JS backend with the studio's WebAssembly-SIMD GEMM conv kernels; 'cpu-js': stock tfjs with flat-loop conv gradients. */
export type { BackendKind } from './tfBackendProbe';
export { cpuFastWanted } from './tfBackendProbe';

export interface LoadedTf {
  tf: Tf;
  backend: BackendKind;
  package: string;
}

export interface BackendCandidate {
  package: string;
  backend: BackendKind;
}

/** Order of preference. */
export const TF_CANDIDATES: readonly BackendCandidate[] = [
  { package: '@tensorflow/tfjs-node-gpu', backend: 'gpu' },
  { package: '@tensorflow/tfjs-node', backend: 'native' },
  { package: '@tensorflow/tfjs', backend: 'cpu-js' },
];

export interface LoadAttempt {
  package: string;
  ok: boolean;
  error?: string;
}

let cached: Promise<LoadedTf & { attempts: LoadAttempt[] }> | null = null;

/** Dynamic import that the type checker does not follow (the add-ons may be absent). */
const importByName = (name: string): Promise<unknown> => import(/* @vite-ignore */ name);

async function loadUncached(candidates: readonly BackendCandidate[]): Promise<LoadedTf & { attempts: LoadAttempt[] }> {
  const attempts: LoadAttempt[] = [];
  for (const candidate of candidates) {
    try {
      const mod = (await importByName(candidate.package)) as Tf & { default?: Tf };
      // CommonJS builds arrive with the namespace on `default` under some loaders.
      const tf = typeof mod.tensor === 'function' ? mod : (mod.default as Tf);
      if (!tf || typeof tf.tensor !== 'function') throw new Error('module has no tf namespace');
      // PROD skips tfjs's debug checks and its "install tfjs-node" greeting, which would otherwise
      // land on the stdout of `avstudio serve --json` and of the CLI (the backend is reported by doctor).
      tf.env().set('PROD', true);
      await tf.ready();
      // The pure-JS backend's conv kernels are pathologically slow: swap in GEMM kernels ('cpu-fast'),
      // or flat-loop gradients ('cpu-js') when WebAssembly SIMD is missing or AVSTUDIO_TF_BACKEND=cpu-js.
      let backend = candidate.backend;
      if (tf.getBackend() === 'cpu') {
        const fast = cpuFastWanted() && useCpuKernels(tf, 'gemm');
        if (!fast) useCpuKernels(tf, 'flat');
        backend = fast ? 'cpu-fast' : 'cpu-js';
      }
      attempts.push({ package: candidate.package, ok: true });
      return { tf, backend, package: candidate.package, attempts };
    } catch (err) {
      attempts.push({ package: candidate.package, ok: false, error: err instanceof Error ? err.message : String(err) });
    }
  }
  throw new Error(`no TensorFlow.js package could be loaded: ${attempts.map((a) => `${a.package}: ${a.error}`).join('; ')}`);
}

/** Loads the best available tf package once per process and caches it. */
export function loadTf(): Promise<LoadedTf & { attempts: LoadAttempt[] }> {
  cached ??= loadUncached(TF_CANDIDATES);
  return cached;
}
