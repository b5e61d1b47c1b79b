// Compare in Chromium: a tiny S2I-C run (with its encoder and Γ, trained through the API) shows
// generated images for one test pair per instrument and three seeds, with Γ's predictions, and
// exports the grid as a PNG.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import type { Page } from 'playwright-core';
import { openBrowserStudio, SCREENSHOT_DIR, type BrowserStudio, type ServedStudio } from './harness';

let env: BrowserStudio;
let studio: ServedStudio;
let page: Page;

beforeAll(async () => {
  env = await openBrowserStudio({ width: 1400, height: 1000 });
  ({ studio, page } = env);
  const call = env.call;
  const plan = await call<{ targetRunId: number }>('runs.launch', { model: 's2i-c', dataset: 'demo', preset: 'tiny', epochs: 1, encoderEpochs: 1 });
  for (;;) {
    const run = await call<{ status: string }>('runs.get', { id: plan.targetRunId });
    if (!['queued', 'running'].includes(run.status)) {
      expect(run.status).toBe('done');
      break;
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
}, 240_000);

afterAll(() => env?.close());

describe('compare screen', () => {
  it('generates one row per instrument with three seeds and Γ predictions', async () => {
    await page.goto(`${studio.url}#/compare`);
    await page.waitForSelector('[data-compare-row]');
    expect(await page.locator('[data-compare-row]').count()).toBe(4);
    await page.click('[data-testid="compare-generate"]');
    await expect.poll(() => page.locator('.outputs figure img').count(), { timeout: 60_000 }).toBe(12);
    const captions = await page.locator('.outputs figcaption').allTextContents();
    for (const c of captions) expect(c).toMatch(/seed \d+\s*(cl|fl|tpt|vn) \d+ %/);
    await page.screenshot({ path: join(SCREENSHOT_DIR, 'compare.png'), fullPage: true });
  });

  it('exports the grid as a PNG', async () => {
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('text=Export PNG')]);
    const file = await download.path();
    const meta = await sharp(readFileSync(file as string)).metadata();
    expect(meta.format).toBe('png');
    expect(meta.width).toBeGreaterThan(300);
  });
});
