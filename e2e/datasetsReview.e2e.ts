// The review flow of issue 18 in Chromium against `avstudio serve`: 20 demo pairs reviewed with A and
// R only (auto-advance opens the next pending pair each time), the review progress counting down, the
// History in sentences; then 5 pairs Ctrl/Shift-selected in the grid, rejected in bulk, and one undo
// bringing all five back — every state checked through the API. Screenshots at 1440×900 and 1280×720.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import type { Pair } from '../core/contract/api';
import { openBrowserStudio, SCREENSHOT_DIR, type BrowserStudio, type ServedStudio } from './harness';

let env: BrowserStudio;
let studio: ServedStudio;
let page: Page;

const call = <T>(method: string, input: unknown) => env.call<T>(method, input);
const getPair = (id: number) => call<Pair>('pairs.get', { id });
const poll = <T>(fn: () => T | Promise<T>) => expect.poll(fn, { timeout: 15_000 });
const openPairId = () => Number(/pairs\/(\d+)/.exec(page.url())?.[1] ?? NaN);

async function shots(name: string): Promise<void> {
  for (const [w, h] of [[1440, 900], [1280, 720]] as const) {
    await page.setViewportSize({ width: w, height: h });
    await page.waitForTimeout(150);
    await page.screenshot({ path: join(SCREENSHOT_DIR, `${name}-${w}.png`) });
  }
  await page.setViewportSize({ width: 1440, height: 900 });
}

beforeAll(async () => {
  env = await openBrowserStudio({ width: 1440, height: 900 });
  ({ studio, page } = env);
  // the demo dataset arrives accepted: put every pair back to pending, as a fresh import would be
  const demo = (await call<Array<{ id: number; name: string }>>('datasets.list', {})).find((d) => d.name === 'demo')!;
  await call('pairs.bulkEdit', { datasetId: demo.id, ids: Array.from({ length: 208 }, (_, i) => i + 1), edit: { action: 'reset' } });
});
afterAll(() => env?.close());

describe('review flow', () => {
  it('reviews 20 pairs with A and R only: each key opens the next pending pair', async () => {
    await page.goto(studio.url);
    await page.waitForSelector('[data-testid="dataset-demo"]');
    await page.waitForSelector('[data-testid="pair-grid"] figure img');
    await poll(() => page.textContent('[data-testid="review-text"]')).toMatch(/^pending 208 of 208/);
    await page.click('[data-testid="pair-grid"] figure[data-pair-id="1"]');
    await page.waitForSelector('[data-testid="inspector-state"]');
    expect(await page.isChecked('[data-testid="auto-advance"]')).toBe(true);
    const reviewed: Array<[number, 'accepted' | 'rejected']> = [];
    for (let k = 0; k < 20; k++) {
      const id = openPairId();
      await poll(() => page.textContent('[data-testid="inspector"] h2')).toContain(`Pair #${id}`);
      const key = k % 3 === 2 ? 'r' : 'a';
      await page.keyboard.press(key);
      reviewed.push([id, key === 'a' ? 'accepted' : 'rejected']);
      await poll(openPairId).not.toBe(id);
    }
    // every key went to its own pair, in order, and nothing else changed
    expect(new Set(reviewed.map(([id]) => id)).size).toBe(20);
    for (const [id, state] of reviewed) expect((await getPair(id)).state).toBe(state);
    expect(reviewed.map(([id]) => id)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    await poll(() => page.textContent('[data-testid="review-text"]')).toMatch(/^pending 188 of 208/);
    // History of the last reviewed pair in a sentence, the time on its own line
    await page.keyboard.press('k');
    await poll(openPairId).toBe(20);
    await poll(() => page.textContent('[data-testid="history"] li')).toMatch(/^(accepted|rejected) the pair \(was pending\)/);
    // who and when on their own line: the OS user and the door (the browser talks to `serve`)
    expect(await page.textContent('[data-testid="history-who"]')).toMatch(/^\S.* \(serve\) · /);
    await shots('datasets-review-inspector');
    await page.keyboard.press('Escape');
  });

  it('bulk-rejects 5 selected pairs and one undo brings all five back', async () => {
    await page.waitForSelector('[data-testid="pair-grid"] figure[data-pair-id="30"]');
    await page.click('[data-testid="pair-grid"] figure[data-pair-id="26"]', { modifiers: ['Control'] });
    await page.click('[data-testid="pair-grid"] figure[data-pair-id="30"]', { modifiers: ['Shift'] });
    expect(await page.textContent('[data-testid="bulk-count"]')).toBe('5 selected');
    expect(await page.locator('[data-testid="pair-grid"] figure.selected').count()).toBe(5);
    expect(page.url()).not.toMatch(/pairs\/\d+/); // selecting does not open a pair
    await shots('datasets-bulk-selection');
    await page.click('[data-testid="bulk-reject"]');
    await poll(() => page.textContent('[data-testid="bulk-note"]')).toMatch(/rejected 5 of 5 selected pairs/);
    for (const id of [26, 27, 28, 29, 30]) expect((await getPair(id)).state).toBe('rejected');
    await poll(() => page.$$eval('[data-testid="pair-grid"] figure', (fs) => fs.filter((f) => Number(f.getAttribute('data-pair-id')) >= 26 && Number(f.getAttribute('data-pair-id')) <= 30).map((f) => f.getAttribute('data-state')))).toEqual(Array(5).fill('rejected'));
    await poll(() => page.textContent('[data-testid="review-text"]')).toMatch(/^pending 183 of 208/);
    await shots('datasets-bulk-done');
    await page.click('[data-testid="bulk-undo"]');
    await poll(() => page.textContent('[data-testid="bulk-note"]')).toMatch(/undid the last edit \(5 pairs\)/);
    for (const id of [26, 27, 28, 29, 30]) expect((await getPair(id)).state).toBe('pending');
    expect((await getPair(20)).state).not.toBe('pending'); // the single reviews before stay
    await poll(() => page.textContent('[data-testid="review-text"]')).toMatch(/^pending 188 of 208/);
  });
});
