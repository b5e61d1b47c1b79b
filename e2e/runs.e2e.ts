// The Runs screen in Chromium against `avstudio serve`: launch a tiny run from the form, watch
// epochs arrive live (no reload), stop it, reload the page, resume it and see it finish.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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

const epochShown = async () => Number(/epoch (\d+)\//.exec((await page.textContent('[data-testid="run-epoch"]')) ?? '')?.[1] ?? -1);

describe('runs screen', () => {
  it('launches a tiny run and shows its resolved config first', async () => {
    await page.goto(`${studio.url}#/runs`);
    await page.click('[data-testid="new-run"]');
    await page.selectOption('[data-testid="launch-model"]', 'sound-clf');
    await page.fill('[data-testid="launch-epochs"]', '6');
    // the preview is refreshed after each change: the one for the defaults may still be on screen
    await expect.poll(() => page.textContent('[data-testid="launch-preview"]'), { timeout: 30_000 }).toContain('6 epochs');
    await page.screenshot({ path: join(SCREENSHOT_DIR, 'runs-launch.png'), fullPage: true });
    await page.click('[data-testid="launch-submit"]');
    await page.waitForSelector('[data-testid="run-detail"]');
  });

  it('receives epochs live, then stops', async () => {
    await expect.poll(epochShown, { timeout: 120_000, interval: 500 }).toBeGreaterThanOrEqual(2);
    await page.click('[data-testid="run-stop"]');
    await expect.poll(() => page.textContent('[data-testid="run-status"]'), { timeout: 60_000 }).toBe('stopped');
    const stoppedAt = await epochShown();
    expect(stoppedAt).toBeGreaterThanOrEqual(2);
    expect(stoppedAt).toBeLessThan(6);
    await page.screenshot({ path: join(SCREENSHOT_DIR, 'runs-stopped.png'), fullPage: true });
  });

  it('survives a reload and resumes to the end', async () => {
    await page.reload();
    await page.waitForSelector('[data-testid="run-detail"]');
    expect(await page.textContent('[data-testid="run-status"]')).toBe('stopped');
    await page.click('[data-testid="run-resume"]');
    await expect.poll(() => page.textContent('[data-testid="run-status"]'), { timeout: 150_000, interval: 1000 }).toBe('done');
    expect(await epochShown()).toBe(6);
    // the catalog agrees, through the API
    const res = await fetch(`${studio.origin}/api/runs.metrics`, {
      method: 'POST',
      headers: { authorization: `Bearer ${studio.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ id: 1, names: ['epoch/loss'] }),
    });
    const points = ((await res.json()) as { result: Array<{ epoch: number }> }).result;
    expect(points.map((p) => p.epoch)).toEqual([1, 2, 3, 4, 5, 6]);
    await page.screenshot({ path: join(SCREENSHOT_DIR, 'runs-done.png'), fullPage: true });
  });

  it('keeps tags and notes on a run across reloads', async () => {
    await page.fill('[data-testid="run-add-tag"]', 'baseline');
    await page.press('[data-testid="run-add-tag"]', 'Enter');
    await page.waitForSelector('.runs-table .tag:has-text("baseline")');
    await page.fill('[data-testid="run-notes"]', 'first tiny classifier');
    await page.click('h1');
    await expect.poll(async () => {
      const res = await fetch(`${studio.origin}/api/runs.get`, { method: 'POST', headers: { authorization: `Bearer ${studio.token}`, 'content-type': 'application/json' }, body: JSON.stringify({ id: 1 }) });
      return ((await res.json()) as { result: { notes: string } }).result.notes;
    }).toBe('first tiny classifier');
    await page.reload();
    await page.waitForSelector('[data-testid="run-notes"]');
    expect(await page.inputValue('[data-testid="run-notes"]')).toBe('first tiny classifier');
    expect(await page.textContent('.runs-table')).toContain('baseline');
  });
});
