// The Tables screen in Chromium: Table 2 of the demo dataset with the paper column labelled, a CSV
// export whose content matches the catalog, and a clear error when a table's runs are missing.
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
});
