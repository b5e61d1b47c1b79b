// The Tables screen in Chromium: Table 2 of the demo dataset with the paper column labelled, a CSV
// export whose content matches the catalog, and a clear error when a table's runs are missing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { launchChromium, SCREENSHOT_DIR, startServe, type ServedStudio } from './harness';

let studio: ServedStudio;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  studio = await startServe();
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1400, height: 1000 }, acceptDownloads: true });
});

afterAll(async () => {
  await browser?.close();
  await studio?.stop();
});

describe('tables screen', () => {
  it('says which runs are missing when Table 5 has none to show', async () => {
    await page.goto(`${studio.url}#/tables`);
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
