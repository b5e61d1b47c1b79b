// Compare in Chromium: a tiny S2I-C run (with its encoder and Γ, trained through the API) shows
// generated images for one test pair per instrument and three seeds, with Γ's predictions, laid out
// as Fig. 6/7 (ground-truth column first, images 128 px, a small spectrogram per sound, columns
// reordered by the user, click to enlarge), and exports the grid as a PNG labelled with run, epoch, seed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
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
    await expect.poll(() => page.locator('[data-testid="output-image"]').count(), { timeout: 60_000 }).toBe(12);
    expect(await page.locator('[data-testid="gt-image"]').count()).toBe(4);
    // the paper's order: ground truth, then the run; images at 128 px; a spectrogram per sound
    expect(await page.$$eval('[data-testid="col-head"]', (hs) => hs.map((h) => h.getAttribute('data-col')))).toEqual(['gt', expect.stringMatching(/^run:\d+$/)]);
    expect(await page.locator('[data-testid="col-head"]').nth(1).textContent()).toMatch(/S2I-C.*run #\d+ · epoch 1/);
    const box = (await page.locator('[data-testid="output-image"]').first().boundingBox())!;
    expect(box.width).toBeGreaterThanOrEqual(128);
    expect(await page.locator('canvas[data-lms-pair]').count()).toBe(4);
    const rowH = (await page.locator('[data-compare-row]').first().boundingBox())!.height;
    expect(rowH).toBeLessThan(220);
    const captions = await page.locator('.outputs figure:has([data-testid="output-image"]) figcaption').allTextContents();
    expect(captions).toHaveLength(12);
    for (const c of captions) expect(c).toMatch(/seed \d+ · (cl|fl|tpt|vn) \d+ %/);
    await page.screenshot({ path: join(SCREENSHOT_DIR, 'compare.png'), fullPage: true });
    for (const [w, h] of [[1440, 900], [1280, 720]] as const) {
      await page.setViewportSize({ width: w, height: h });
      await page.screenshot({ path: join(SCREENSHOT_DIR, `compare-fig-${w}.png`) });
    }
    // click to enlarge, Esc closes
    await page.locator('[data-testid="output-image"]').first().click();
    await page.waitForSelector('[data-testid="enlarged"]');
    expect(await page.textContent('[data-testid="enlarged"]')).toMatch(/S2I-C · run #\d+ · epoch 1 · seed 1/);
    await page.screenshot({ path: join(SCREENSHOT_DIR, 'compare-enlarged-1280.png') });
    await page.keyboard.press('Escape');
    await page.waitForSelector('[data-testid="enlarged"]', { state: 'detached' });
    await page.setViewportSize({ width: 1400, height: 1000 });
    // the user's order: move the run's column before the ground truth
    await page.click('[data-testid="col-head"][data-col^="run:"] button[aria-label$="left"]');
    expect(await page.$$eval('[data-testid="col-head"]', (hs) => hs.map((h) => h.getAttribute('data-col')))).toEqual([expect.stringMatching(/^run:\d+$/), 'gt']);
    await page.click('text=Paper order');
    expect((await page.$$eval('[data-testid="col-head"]', (hs) => hs.map((h) => h.getAttribute('data-col'))))[0]).toBe('gt');
  });

  it('exports the grid as a PNG', async () => {
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('text=Export PNG')]);
    const file = await download.path();
    const meta = await sharp(readFileSync(file as string)).metadata();
    expect(meta.format).toBe('png');
    // sound column + ground truth + 3 seeds at 128 px
    expect(meta.width).toBeGreaterThan(150 + 4 * 128);
    // the file name carries run, epoch and seeds (the labels are drawn in the image)
    expect(download.suggestedFilename()).toMatch(/^compare-\d+e1-seeds-1_2_3\.png$/);
    const copy = join(SCREENSHOT_DIR, 'compare-export.png');
    writeFileSync(copy, readFileSync(file as string));
  });
});
