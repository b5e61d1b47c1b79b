// One studio across processes (issue 16), in Chromium against `avstudio serve` with real CLI
// processes on the same data directory: a run the CLI starts appears in the open Runs screen and
// updates live; a run `avstudio train --detach` queues is trained by the serving studio; with two
// serving studios on one catalog racing for a queued run, it is started once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { Page } from 'playwright-core';
import { openBrowserStudio, ROOT, SCREENSHOT_DIR, startServe, type BrowserStudio, type ServedStudio } from './harness';

let env: BrowserStudio;
let studio: ServedStudio;
let page: Page;

beforeAll(async () => {
  env = await openBrowserStudio({ width: 1400, height: 1000 });
  ({ studio, page } = env);
  await page.goto(`${studio.url}#/runs`);
  await page.waitForSelector('[data-testid="new-run"]');
});
afterAll(() => env?.close());

function cli(args: string[]): { done: Promise<{ code: number; out: string; err: string }> } {
  const p = spawn(process.execPath, [join(ROOT, 'bin/avstudio.mjs'), ...args, '--home', studio.home], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  p.stdout.on('data', (c) => (out += String(c)));
  p.stderr.on('data', (c) => (err += String(c)));
  return { done: new Promise((resolve) => p.on('exit', (code) => resolve({ code: code ?? -1, out, err }))) };
}

function catalog<T>(fn: (db: Database.Database) => T): T {
  const db = new Database(join(studio.home, 'catalog.sqlite'), { readonly: true, fileMustExist: true });
  try {
    return fn(db);
  } finally {
    db.close();
  }
}

const rowStatus = (id: number) => page.textContent(`.runs-table tr[data-run-id="${id}"] .status`).catch(() => null);
const epochShown = async () => Number(/epoch (\d+)\//.exec((await page.textContent('[data-testid="run-epoch"]')) ?? '')?.[1] ?? -1);

describe('one studio across processes', () => {
  it('shows a run started with the CLI in the open Runs screen, updating live (no reload)', async () => {
    const train = cli(['train', '--model', 'sound-clf', '--dataset', 'demo', '--preset', 'tiny', '--epochs', '3', '--seed', '2', '--json']);
    // the queued run appears without a reload
    await page.waitForSelector('.runs-table tr[data-run-id="1"]', { timeout: 15_000 });
    await page.click('.runs-table tr[data-run-id="1"]');
    await page.waitForSelector('[data-testid="run-detail"]');
    const seen = new Set<number>();
    await expect
      .poll(async () => {
        seen.add(await epochShown());
        return page.textContent('[data-testid="run-status"]');
      }, { timeout: 150_000, interval: 200 })
      .toBe('done');
    seen.add(await epochShown());
    // epochs arrived one by one while watching, not only at the end
    expect([...seen].filter((e) => e >= 1 && e < 3).length).toBeGreaterThanOrEqual(1);
    expect(await epochShown()).toBe(3);
    const r = await train.done;
    expect(r.code, r.err).toBe(0);
    expect((JSON.parse(r.out) as { runs: Array<{ id: number; status: string }> }).runs.find((x) => x.id === 1)?.status).toBe('done');
    await page.screenshot({ path: join(SCREENSHOT_DIR, 'cross-process-cli-run.png'), fullPage: true });
  });

  it('trains a run queued with `train --detach` in the serving studio', async () => {
    const r = await cli(['train', '--model', 'sound-clf', '--dataset', 'demo', '--preset', 'tiny', '--epochs', '1', '--seed', '4', '--detach', '--json']).done;
    expect(r.code, r.err).toBe(0);
    const runId = (JSON.parse(r.out) as { targetRunId: number }).targetRunId;
    await page.waitForSelector(`.runs-table tr[data-run-id="${runId}"]`, { timeout: 5_000 });
    await expect.poll(() => rowStatus(runId), { timeout: 120_000, interval: 300 }).toBe('done');
    // the serving studio (not the CLI, which had exited) supervised it
    const spid = catalog((db) => (db.prepare('SELECT supervisor_pid AS spid FROM runs WHERE id = ?').get(runId) as { spid: number }).spid);
    expect(spid).toBe(studio.proc.pid);
  });

  it('starts a queued run once when two serving studios on one catalog race for it', async () => {
    const second = await startServe(['--no-demo'], { home: studio.home });
    try {
      const r = await cli(['train', '--model', 'sound-clf', '--dataset', 'demo', '--preset', 'tiny', '--epochs', '2', '--seed', '6', '--detach', '--json']).done;
      expect(r.code, r.err).toBe(0);
      const runId = (JSON.parse(r.out) as { targetRunId: number }).targetRunId;
      await expect.poll(() => rowStatus(runId), { timeout: 150_000, interval: 300 }).toBe('done');
      const { claims, epochs, spid } = catalog((db) => ({
        // the supervisor that starts a run announces it running: only one process ever did
        claims: (db.prepare("SELECT COUNT(DISTINCT origin) AS n FROM change_log WHERE json_extract(event, '$.type') = 'run.updated' AND json_extract(event, '$.runId') = ? AND json_extract(event, '$.status') = 'running'").get(runId) as { n: number }).n,
        epochs: (db.prepare("SELECT epoch FROM metrics WHERE run_id = ? AND name = 'epoch/loss' ORDER BY epoch").all(runId) as Array<{ epoch: number }>).map((m) => m.epoch),
        spid: (db.prepare('SELECT supervisor_pid AS spid FROM runs WHERE id = ?').get(runId) as { spid: number }).spid,
      }));
      expect(claims).toBe(1);
      expect(epochs).toEqual([1, 2]);
      expect([studio.proc.pid, second.proc.pid]).toContain(spid);
    } finally {
      await second.stop();
    }
  });
});
