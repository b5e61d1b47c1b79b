// `avstudio runs` and `avstudio resume` as a user runs them (real CLI processes, a real worker):
// a run whose worker was killed while no studio watched shows as interrupted, and resume trains it
// to the end, prints the result and exits 0 (it used to print nothing and exit 13).
import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStudio } from '../../core/studio/context';
import { createDemoDataset } from '../../core/datasets/demoDataset';
import { planRun } from '../../core/runs/planRun';
import { setRunStatus } from '../../core/runs/runsRepo';

const run = promisify(execFile);
const BIN = new URL('../../bin/avstudio.mjs', import.meta.url).pathname;
let home: string;
let runId: number;

async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await run(process.execPath, [BIN, ...args, '--home', home], { timeout: 120_000 });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

beforeAll(async () => {
  home = mkdtempSync(join(tmpdir(), 'avstudio-cli-runs-'));
  const ctx = openStudio(home);
  await createDemoDataset(ctx.catalog, ctx.blobs, 'small', { trackSeconds: 1 });
  runId = planRun(ctx.catalog, { model: 'sound-clf', dataset: 'small', preset: 'tiny', epochs: 1, seed: 1 }).targetRunId;
  // as after `kill -9` of the process that trained it: marked running, its worker gone
  const dead = spawnSync(process.execPath, ['-e', '0']).pid;
  setRunStatus(ctx.catalog, runId, 'running', { pid: dead, error: null });
  ctx.close();
}, 60_000);
afterAll(() => rmSync(home, { recursive: true, force: true }));

describe('avstudio runs / resume after a kill -9', () => {
  it('runs shows the run interrupted, not running', async () => {
    const r = await cli('runs', '--json');
    expect(r.code).toBe(0);
    const rows = JSON.parse(r.stdout) as Array<{ id: number; status: string }>;
    expect(rows.find((x) => x.id === runId)?.status).toBe('interrupted');
  });

  it('resume trains the run to the end, prints it and exits 0', async () => {
    const r = await cli('resume', String(runId), '--json');
    expect(r.stderr).not.toMatch(/unsettled|Warning: Detected/);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ id: runId, status: 'done', epoch: 1 });
  }, 120_000);
});
