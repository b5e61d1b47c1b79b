// Which TensorFlow.js backend the studio would use here, found without loading TensorFlow:
// @tensorflow/tfjs-node-gpu → @tensorflow/tfjs-node → @tensorflow/tfjs (pure JS). A native package
// counts only when its libtensorflow binding is really on disk (its install downloads it, which
// fails offline; npm then drops the optional package or leaves it without the binding).
import { createRequire } from 'node:module';
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { gemmAvailable, gemmThreads, gemmVariant } from './kernels/runtime';

/** 'cpu-fast' = pure-JS backend + the studio's WebAssembly-SIMD GEMM conv kernels (what loadTf() picks then). */
export type BackendKind = 'gpu' | 'native' | 'cpu-fast' | 'cpu-js';

export interface BackendProbe {
  kind: BackendKind;
  package: string;
  detail: string;
}

/** The studio's GEMM kernels are used on the pure-JS backend unless disabled or unavailable (loadTf() and doctor agree). */
export function cpuFastWanted(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.AVSTUDIO_TF_BACKEND !== 'cpu-js' && gemmAvailable();
}

const requireHere = createRequire(import.meta.url);

function packageDir(name: string): string | null {
  try {
    return dirname(requireHere.resolve(`${name}/package.json`));
  } catch {
    return null;
  }
}

function hasBinding(dir: string): boolean {
  const lib = join(dir, 'lib');
  if (!existsSync(lib)) return false;
  return readdirSync(lib).some((d) => d.startsWith('napi-v') && existsSync(join(lib, d, 'tfjs_binding.node')));
}

export const BACKEND_CHAIN: ReadonlyArray<{ kind: BackendKind; package: string }> = [
  { kind: 'gpu', package: '@tensorflow/tfjs-node-gpu' },
  { kind: 'native', package: '@tensorflow/tfjs-node' },
  { kind: 'cpu-js', package: '@tensorflow/tfjs' },
];

export function probeBackend(env: NodeJS.ProcessEnv = process.env): BackendProbe {
  const skipped: string[] = [];
  const forced = env.AVSTUDIO_TF_BACKEND as BackendKind | undefined;
  for (const c of BACKEND_CHAIN) {
    if (forced && c.kind !== forced && c.kind !== 'cpu-js') {
      skipped.push(`${c.package}: skipped (AVSTUDIO_TF_BACKEND=${forced})`);
      continue;
    }
    if (c.kind === 'cpu-js') {
      const dir = packageDir(c.package);
      if (!dir) throw new Error('@tensorflow/tfjs is not installed: run npm install');
      if (cpuFastWanted(env)) {
        const fma = gemmVariant() === 'fma' ? ' (relaxed-SIMD fused multiply-add)' : ' (no fused multiply-add)';
        const kernels = `pure-JS CPU backend with WebAssembly-SIMD GEMM conv kernels${fma}, ${gemmThreads()} thread(s)`;
        return { kind: 'cpu-fast', package: c.package, detail: [kernels, ...skipped].join('; ') };
      }
      return { kind: 'cpu-js', package: c.package, detail: ['pure-JS CPU backend', ...skipped].join('; ') };
    }
    const dir = packageDir(c.package);
    if (!dir) skipped.push(`${c.package}: not installed`);
    else if (!hasBinding(dir)) skipped.push(`${c.package}: installed without its libtensorflow binding`);
    else return { kind: c.kind, package: c.package, detail: `native binding in ${dir}` };
  }
  throw new Error('unreachable');
}
