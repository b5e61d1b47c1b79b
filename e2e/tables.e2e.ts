// The Tables screen in Chromium: Table 2 of the demo dataset with the paper column labelled, a CSV
// export whose content matches the catalog, and a clear error when a table's runs are missing.
// From an empty Table 1 the missing representation × depth runs are queued as one sweep, on one snapshot.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { openBrowserStudio, SCREENSHOT_DIR, type BrowserStudio, type ServedStudio } from './harness';

let env: BrowserStudio;
let studio: ServedStudio;
let page: Page;

beforeAll(async () => {
  env = await openBrowserStudio({ width: 1400, height: 1000 });
  ({ studio, page } = env);
});

afterAll(() => env?.close());

describe('tables screen', () => {
  it('says which runs are missing when Table 5 has none to show', async () => {
    await page.goto(`${studio.url}#/tables`);
    // with no run yet the screen opens on the dataset counts
    await page.waitForSelector('[data-testid="result-table"]');
    await page.click('[data-table="table5"]');
    await page.waitForSelector('[data-testid="table-error"]');
    expect(await page.textContent('[data-testid="table-error"]')).toMatch(/run/i);
  });

  it('shows Table 2 of the demo dataset beside the paper and exports it as CSV', async () => {
    await page.click('[data-table="table2"]');
    await page.waitForSelector('[data-testid="result-table"]');
    const text = await page.textContent('[data-testid="result-table"]');
    expect(text).toContain('paper');
    expect(text).toContain('26');
    await page.screenshot({ path: join(SCREENSHOT_DIR, 'tables.png'), fullPage: true });
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('[data-export="csv"]')]);
    const csv = readFileSync((await download.path()) as string, 'utf8');
    expect(download.suggestedFilename()).toBe('table2.csv');
    expect(csv.split(/\r?\n/)[0]).toMatch(/,/);
    expect(csv).toContain('26');
  });

  it('queues the Table 1 sweep from the empty table: 10 sound-classifier runs on one snapshot', async () => {
    await page.goto(`${studio.url}#/tables`);
    await page.click('[data-table="table1"]');
    await page.waitForSelector('[data-testid="table1-sweep"]');
    // the empty state offers the sweep, not a CLI command as the only way
    expect(await page.textContent('[data-testid="table-error"]')).not.toMatch(/avstudio train/);
    expect(await page.textContent('[data-testid="queue-table1-sweep"]')).toContain('Queue 10 runs');
    expect(await page.inputValue('[data-testid="sweep-preset"]')).toBe('tiny');
    for (const [w, h] of [[1440, 900], [1280, 720]] as const) {
      await page.setViewportSize({ width: w, height: h });
      await page.screenshot({ path: join(SCREENSHOT_DIR, `tables-table1-sweep-${w}.png`) });
    }
    await page.click('[data-testid="queue-table1-sweep"]');
    await page.waitForSelector('[data-testid="sweep-result"]', { timeout: 30_000 });
    expect(await page.textContent('[data-testid="sweep-result"]')).toMatch(/Queued 10 runs/);
    await page.screenshot({ path: join(SCREENSHOT_DIR, 'tables-table1-queued-1280.png') });
    const all = await env.call<Array<{ id: number; model: string; preset: string; representation: string; convLayers: number; snapshotId: number | null; status: string }>>('runs.list', {});
    const sweep = all.filter((r) => r.model === 'sound-clf');
    expect(sweep).toHaveLength(10);
    expect(new Set(sweep.map((r) => `${r.representation}×${r.convLayers}`)).size).toBe(10);
    expect(new Set(sweep.map((r) => r.snapshotId)).size).toBe(1);
    expect(sweep[0].snapshotId).not.toBeNull();
    expect(sweep.every((r) => r.preset === 'tiny')).toBe(true);
    // every cell now has a run: nothing more to queue
    expect(await page.textContent('[data-testid="queue-table1-sweep"]')).toContain('Every cell has a run');
    for (const r of sweep) if (['queued', 'running'].includes(r.status)) await env.call('runs.stop', { id: r.id }).catch(() => undefined);
  }, 60_000);
});
