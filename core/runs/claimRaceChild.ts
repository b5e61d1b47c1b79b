// Test helper process for claim.test.ts: `claimRaceChild.ts <catalog file> <start ms>` opens the
// catalog, waits for the common start time, claims the next queued run once and prints the result.
import { hostname } from 'node:os';
import { openCatalog } from '../catalog/catalog';
import { claimNextRun } from './runsRepo';

const [file, at] = process.argv.slice(2);
const cat = openCatalog(file);
while (Date.now() < Number(at)) {
  // spin: every child fires at the same moment
}
const run = claimNextRun(cat, { pid: process.pid, host: hostname(), leaseMs: 60_000 }, 4);
process.stdout.write(JSON.stringify({ pid: process.pid, runId: run?.id ?? null }));
cat.close();
