// How to start one of core/datasets' worker threads (node:worker_threads): from source through tsx
// when the studio runs from its TypeScript (`avstudio` in a clone, tests), or the bundled
// `<name>.js` electron-vite writes beside main's bundle (electron.vite.config.ts lists each entry).
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';

/** A starter for the worker thread `name` (featureWorker, featureStatusWorker), or null when neither form is found. */
export function workerThreadEntry(name: string): (() => Worker) | null {
  const here = import.meta.url;
  if (here.endsWith('.ts')) {
    let tsx: string;
    try {
      tsx = import.meta.resolve('tsx/esm/api');
    } catch {
      return null;
    }
    const src = `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(new URL(`./${name}.ts`, here).href)}); });`;
    return () => new Worker(src, { eval: true });
  }
  const dir = dirname(fileURLToPath(here));
  const built = [join(dir, `${name}.js`), join(dir, '..', `${name}.js`)].find((f) => existsSync(f));
  return built ? () => new Worker(built) : null;
}
