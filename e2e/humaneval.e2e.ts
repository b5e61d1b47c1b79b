// Human evaluation end to end against `avstudio serve`: three tiny S2I runs trained through the API,
// a session created on the Human eval screen, scored fully by two raters — bob through his rater link
// in a separate browser context (blind: no method in his DOM; a reload midway keeps every score),
// alice in-app — and the results (Fig. 8) once complete.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { openBrowserStudio, SCREENSHOT_DIR, type BrowserStudio, type ServedStudio } from './harness';

let bs: BrowserStudio;
let studio: ServedStudio;
let browser: Browser;
let page: Page;
let raterContext: BrowserContext;
let rater: Page;
let runIds: number[] = [];
let bobLink = '';
const raterErrors: string[] = [];

async function api<T>(method: string, body: unknown, token = studio.token): Promise<{ status: number; ok: boolean; result: T }> {
  const res = await fetch(`${studio.origin}/api/${method}`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const doc = (await res.json()) as { ok: boolean; result: T };
  return { status: res.status, ...doc };
}

const FORBIDDEN = [/s2i/i, /ground[\s-]?truth/i, /\bmethod\b/i, /\brun\s*\d/i, /\bgenerated\b/i];

async function expectBlind(p: Page, where: string): Promise<void> {
  const html = await p.content();
  const text = await p.innerText('body');
  for (const re of FORBIDDEN) {
    expect(re.test(html), `${where}: DOM matches ${re}`).toBe(false);
    expect(re.test(text), `${where}: text matches ${re}`).toBe(false);
  }
  for (const id of runIds) expect(html).not.toMatch(new RegExp(`run[^a-z]{0,3}${id}\\b`, 'i'));
}

/** Scores the current set's unscored images with keys: the k-th image of the set gets `scoreFor(k)`. */
async function scoreSetWithKeys(p: Page, scoreFor: (k: number) => number): Promise<void> {
  const items = p.locator('[data-testid="rate-item"]');
  for (;;) {
    const scores = await items.evaluateAll((els) => els.map((e) => e.getAttribute('data-score')));
    const k = scores.indexOf('');
    if (k < 0) return;
    expect(await items.nth(k).getAttribute('class')).toContain('focused');
    const before = Number((await p.textContent('[data-testid="rater-progress"]'))!.split('/')[0]);
    await p.keyboard.press(String(scoreFor(k)));
    await expect.poll(async () => Number((await p.textContent('[data-testid="rater-progress"]'))!.split('/')[0])).toBe(before + 1);
  }
}

beforeAll(async () => {
  bs = await openBrowserStudio();
  ({ studio, browser, page } = bs);
  // three tiny S2I runs (S2I-C and S2I-N share the sound classifier, all three share Γ: planRun reuses them)
  const launch = async (model: string, seed: number) => {
    const r = await api<{ targetRunId: number }>('runs.launch', { model, dataset: 'demo', preset: 'tiny', epochs: 1, encoderEpochs: 1, seed });
    expect(r.ok, JSON.stringify(r)).toBe(true);
    return r.result.targetRunId;
  };
  const c = { result: { targetRunId: await launch('s2i-c', 1) } };
  const n = { result: { targetRunId: await launch('s2i-n', 2) } };
  const a = { result: { targetRunId: await launch('s2i-a', 3) } };
  runIds = [c.result.targetRunId, n.result.targetRunId, a.result.targetRunId];
  const started = Date.now();
  for (const id of runIds) {
    for (;;) {
      const r = (await api<{ status: string; error: string | null }>('runs.get', { id })).result;
      if (r.status === 'done') break;
      if (['failed', 'stopped', 'interrupted'].includes(r.status) || Date.now() - started > 140_000) throw new Error(`run ${id} is ${r.status}: ${r.error ?? ''}`);
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }
  console.log(`three tiny S2I runs trained in ${((Date.now() - started) / 1000).toFixed(0)} s`);
}, 150_000);

afterAll(async () => {
  await bs?.close();
});

describe('human evaluation', () => {
  it('creates a session on the screen from the latest S2I-C/N/A runs', async () => {
    await page.goto(`${studio.url}#/human-eval`);
    await page.waitForSelector('.empty');
    await page.click('[data-testid="he-new"]');
    for (const id of runIds) await page.waitForSelector(`[data-testid="he-run-${id}"]:checked`);
    await page.fill('[data-testid="he-sets"]', '2');
    await page.fill('[data-testid="he-raters"]', 'alice, bob');
    await page.fill('[data-testid="he-seed"]', '5');
    await page.fill('[data-testid="he-name"]', 'Pilot study');
    await page.screenshot({ path: join(SCREENSHOT_DIR, 'humaneval-create.png'), fullPage: true });
    await page.click('[data-testid="he-create-submit"]');
    await page.waitForSelector('[data-testid="he-detail"]', { timeout: 60_000 });
    expect(await page.locator('[data-testid="he-rater-progress"]').allTextContents()).toEqual(['0 / 32', '0 / 32']);
    expect(await page.textContent('[data-testid="he-blind"]')).toContain('hidden');
    bobLink = (await page.textContent('[data-rater="bob"] [data-testid="he-rater-link"]'))!.trim();
    expect(bobLink).toMatch(new RegExp(`^${studio.origin}/rate/[\\w-]+/$`));
    await page.screenshot({ path: join(SCREENSHOT_DIR, 'humaneval-session.png'), fullPage: true });
  });

  it('lets bob score blind through his rater link, and continue after a reload', async () => {
    raterContext = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    rater = await raterContext.newPage();
    rater.on('console', (m) => {
      if (m.type() === 'error') raterErrors.push(m.text());
    });
    rater.on('pageerror', (e) => raterErrors.push(e.message));
    await rater.goto(bobLink);
    await rater.waitForSelector('[data-testid="rate-item"] img');
    expect(await rater.locator('.sidebar').count()).toBe(0);
    expect(await rater.textContent('[data-testid="rater-name"]')).toBe('bob');
    expect(await rater.textContent('[data-testid="rater-progress"]')).toBe('0 / 32');
    expect(await rater.locator('[data-testid="rate-item"]').count()).toBe(4);
    await expectBlind(rater, 'rater page at start');
    // his token opens nothing else
    const token = decodeURIComponent(/\/rate\/([^/]+)\//.exec(bobLink)![1]);
    expect((await api('humaneval.list', {}, token)).status).toBe(403);
    expect((await api('runs.list', {}, token)).status).toBe(403);
    expect((await fetch(`${studio.origin}/?token=${token}`)).status).toBe(200); // the SPA shell only
    // image URLs carry the blob hash only
    for (const src of await rater.locator('[data-testid="rate-item"] img').evaluateAll((els) => els.map((e) => (e as HTMLImageElement).src))) {
      expect(src).toMatch(/\/media\/[0-9a-f]{64}\?token=/);
    }
    // three sets with the keyboard, then one click into the fourth
    for (let set = 1; set <= 3; set++) {
      expect(await rater.textContent('[data-testid="rater-set"]')).toBe(String(set));
      await scoreSetWithKeys(rater, (k) => (k + set) % 4);
      await rater.keyboard.press('Enter');
    }
    expect(await rater.textContent('[data-testid="rater-set"]')).toBe('4');
    await rater.locator('[data-testid="rate-item"]').nth(0).locator('[data-testid="score-2"]').click();
    await expect.poll(() => rater.textContent('[data-testid="rater-progress"]')).toBe('13 / 32');
    await rater.screenshot({ path: join(SCREENSHOT_DIR, 'humaneval-rater-midway.png'), fullPage: true });
    await expectBlind(rater, 'rater page midway');

    await rater.reload();
    await rater.waitForSelector('[data-testid="rate-item"] img');
    expect(await rater.textContent('[data-testid="rater-progress"]')).toBe('13 / 32');
    expect(await rater.textContent('[data-testid="rater-set"]')).toBe('4');
    expect(await rater.locator('[data-testid="rate-item"]').nth(0).getAttribute('data-score')).toBe('2');
    expect(await rater.locator('[data-testid="rate-item"]').nth(1).getAttribute('class')).toContain('focused');
    // earlier sets kept their scores
    await rater.click('[data-testid="rater-prev"]');
    expect(await rater.locator('[data-testid="rate-item"]').evaluateAll((els) => els.map((e) => e.getAttribute('data-score')))).toEqual(['3', '0', '1', '2']);
    await rater.click('[data-testid="rater-next"]');
    // the rest of set 4, then sets 5–8
    await scoreSetWithKeys(rater, () => 1);
    for (let set = 5; set <= 8; set++) {
      await rater.keyboard.press('Enter');
      expect(await rater.textContent('[data-testid="rater-set"]')).toBe(String(set));
      await scoreSetWithKeys(rater, (k) => k % 4);
    }
    await rater.waitForSelector('[data-testid="rater-done"]');
    expect(await rater.textContent('[data-testid="rater-progress"]')).toBe('32 / 32');
    await expectBlind(rater, 'rater page when done');
    await rater.screenshot({ path: join(SCREENSHOT_DIR, 'humaneval-rater-done.png'), fullPage: true });
  });

  it('lets alice score in-app; results stay hidden until she finishes', async () => {
    await page.click('text=Refresh');
    await expect.poll(() => page.locator('[data-rater="bob"] [data-testid="he-rater-progress"]').textContent()).toBe('32 / 32');
    expect(await page.locator('[data-testid="he-blind"]').count()).toBe(1);
    await page.click('[data-testid="he-score-as-alice"]');
    await page.waitForSelector('[data-testid="rate-item"] img');
    expect(await page.textContent('[data-testid="rater-name"]')).toBe('alice');
    // the scoring panel itself is blind (the side bar and session list show no methods either)
    const panel = await page.innerText('.content');
    for (const re of FORBIDDEN) expect(re.test(panel), `in-app scoring matches ${re}`).toBe(false);
    await page.screenshot({ path: join(SCREENSHOT_DIR, 'humaneval-inapp-scoring.png'), fullPage: true });
    for (let set = 1; set <= 8; set++) {
      // clicks this time
      const items = page.locator('[data-testid="rate-item"]');
      for (let k = 0; k < 4; k++) await items.nth(k).locator(`[data-testid="score-${(k + 2) % 4}"]`).click();
      await expect.poll(() => page.textContent('[data-testid="rater-progress"]')).toBe(`${set * 4} / 32`);
      if (set < 8) await page.click('[data-testid="rater-next"]');
    }
    await page.waitForSelector('[data-testid="rater-done"]');
    await page.click('[data-testid="he-stop-scoring"]');
  });

  it('shows the results (Fig. 8) once complete', async () => {
    await page.waitForSelector('[data-testid="he-results"]');
    expect(await page.textContent('[data-testid="he-rater-count"]')).toBe('2');
    const methods = await page.locator('[data-testid="he-results-methods"] tbody tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-method')));
    expect(methods).toEqual(['s2i-c', 's2i-n', 's2i-a', 'ground-truth']);
    const ns = await page.locator('[data-testid="he-results-methods"] tbody tr td:nth-child(3)').allTextContents();
    expect(ns).toEqual(['16', '16', '16', '16']);
    await page.waitForSelector('[data-testid="he-fig8"]', { timeout: 20_000 }).catch(() => undefined);
    await page.screenshot({ path: join(SCREENSHOT_DIR, 'humaneval-results.png'), fullPage: true });
    // the same numbers through the API; the scores match what was clicked and typed
    const res = await api<{ complete: boolean; raterCount: number; scoreCount: number; methods: Array<{ n: number; histogram: number[] }> }>('humaneval.results', { id: 1 });
    expect(res.result).toMatchObject({ complete: true, raterCount: 2, scoreCount: 64 });
    const total = res.result.methods.reduce((h, m) => h.map((x, i) => x + m.histogram[i]), [0, 0, 0, 0]);
    expect(total.reduce((a, b) => a + b, 0)).toBe(64);
    // alice gave each score to 8 images (one per position per set)
    expect(total[0]).toBeGreaterThanOrEqual(8);
    // neither page logged an error
    expect(bs.consoleErrors).toEqual([]);
    expect(raterErrors).toEqual([]);
    // the catalog holds each score with its presented position and the time spent on the item
    const db = new Database(join(studio.home, 'catalog.sqlite'), { readonly: true });
    try {
      const rows = db
        .prepare('SELECT s.position, s.ms, o.position AS presented FROM humaneval_scores s JOIN humaneval_order o ON o.rater_id = s.rater_id AND o.item_id = s.item_id')
        .all() as Array<{ position: number; ms: number | null; presented: number }>;
      expect(rows).toHaveLength(64);
      for (const r of rows) {
        expect(r.position).toBe(r.presented);
        expect(r.ms).not.toBeNull();
        expect(r.ms!).toBeGreaterThanOrEqual(0);
      }
    } finally {
      db.close();
    }
  });
});
