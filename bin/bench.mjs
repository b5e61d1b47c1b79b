#!/usr/bin/env node
// `npm run bench -- <name>`: runs bench/<name>.ts (all benchmarks when no name is given), in a
// process with the environment training workers get (core/env/trainingProcessEnv.ts: huge pages for
// large allocations); the PyTorch reference steps inherit the same environment.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { register } from 'tsx/esm/api';

register();
const { trainingProcessEnv } = await import(new URL('../core/env/trainingProcessEnv.ts', import.meta.url).href);
const env = trainingProcessEnv();
if (process.env.GLIBC_TUNABLES !== env.GLIBC_TUNABLES) {
  // GLIBC_TUNABLES only takes effect at process start: run again with it.
  const r = spawnSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), ...process.argv.slice(2)], { stdio: 'inherit', env });
  process.exit(r.status ?? 1);
}
await import(new URL('../bench/main.ts', import.meta.url).href);
