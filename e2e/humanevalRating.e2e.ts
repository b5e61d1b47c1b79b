// Rating as a listening-test tool would (issue 18), in Chromium against `avstudio serve`: the rater
// page is titled with the session's public title, never its internal name; Enter and "Next set →"
// both move on from an unscored set; the in-studio scoring view has its own URL (a reload stays on
// it); results report each rater's time per item. The session is made in this process on the served
// catalog (three S2I runs with a checkpoint row and a generator that stores a PNG per run, pair, seed).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import sharp from 'sharp';
import type { Browser, Page } from 'playwright-core';
import { openStudio, type StudioContext } from '../core/studio/context';
import { nowIso } from '../core/catalog/catalog';
import { deriveSeed } from '../core/humaneval/seeded';
import { createSession } from '../core/humaneval/sessions';
import { planRun } from '../core/runs/planRun';
import { setRunStatus } from '../core/runs/runsRepo';
import { openBrowserStudio, SCREENSHOT_DIR, type BrowserStudio, type ServedStudio } from './harness';

let env: BrowserStudio;
let studio: ServedStudio;
let browser: Browser;
let page: Page;
let ctx: StudioContext;
let bobLink = '';
let sessionId = 0;
let checkedId = 0;
let carolLink = '';
let sharpId = 0;

beforeAll(async () => {
  env = await openBrowserStudio({ width: 1440, height: 900 });
  ({ studio, page, browser } = env);
  ctx = openStudio(studio.home);
  const demo = (ctx.catalog.db.prepare("SELECT id FROM datasets WHERE name = 'demo'").get() as { id: number }).id;
  for (const model of ['s2i-c', 's2i-n', 's2i-a'] as const) {
    const id = planRun(ctx.catalog, { model, dataset: demo, preset: 'tiny', epochs: 1, seed: 3 }).targetRunId;
    setRunStatus(ctx.catalog, id, 'done');
    ctx.catalog.db.prepare('INSERT INTO checkpoints (run_id, epoch, step, path, created_at) VALUES (?, 1, 1, ?, ?)').run(id, '/nonexistent', nowIso());
  }
  const generate = async (runId: number, pairId: number, seed: number) => {
    const v = deriveSeed(runId, pairId, seed);
    const png = await sharp({ create: { width: 64, height: 64, channels: 3, background: { r: v & 255, g: (v >> 8) & 255, b: (v >> 16) & 255 } } }).png().toBuffer();
    return { hash: ctx.blobs.put(png, 'png'), epoch: 1 };
  };
  const s = await createSession(ctx, { name: 'tiny S2I-C/N/A check', title: 'Rate the pictures', dataset: demo, sets: 1, instruments: ['cl', 'fl'], raters: ['bob', 'alice'], seed: 7 }, { generate });
  sessionId = s.id;
  bobLink = `${studio.origin}${s.raters.find((r) => r.name === 'bob')!.linkPath}`;
  const checked = await createSession(ctx, { name: 'with checks', dataset: demo, sets: 1, instruments: ['cl', 'fl'], raters: ['carol'], seed: 9, practice: 1, attentionChecks: true }, { generate });
  checkedId = checked.id;
  carolLink = `${studio.origin}${checked.raters[0].linkPath}`;
  sharpId = (await createSession(ctx, { name: 'sharp ground truth', dataset: demo, sets: 1, instruments: ['cl'], raters: ['dan'], seed: 11, matchGroundTruth: false }, { generate })).id;
}, 120_000);

afterAll(async () => {
  ctx?.close();
  await env?.close();
});

describe('rating', () => {
  it('shows raters the public title, and Enter moves on from an unscored set like "Next set"', async () => {
    const rater = await (await browser.newContext({ viewport: { width: 1280, height: 720 } })).newPage();
    await rater.goto(bobLink);
    await rater.waitForSelector('[data-testid="rate-item"] img');
    expect(await rater.textContent('h1')).toBe('Rate the pictures');
    expect(await rater.title()).toBe('Rate the pictures');
    expect(await rater.content()).not.toContain('tiny S2I-C/N/A check');
    expect(await rater.textContent('[data-testid="rater-set"]')).toBe('1');
    await rater.keyboard.press('Enter');
    await expect.poll(() => rater.textContent('[data-testid="rater-set"]')).toBe('2');
    await rater.click('[data-testid="rater-prev"]');
    await rater.click('[data-testid="rater-next"]');
    await expect.poll(() => rater.textContent('[data-testid="rater-set"]')).toBe('2');
    await rater.screenshot({ path: join(SCREENSHOT_DIR, 'humaneval-rater-title-1280.png') });
    // bob scores everything, with a pause on the first image so a time per item shows
    for (let set = 1; set <= 2; set++) {
      if (set === 1) await rater.click('[data-testid="rater-prev"]');
      await rater.waitForTimeout(300);
      for (let k = 0; k < 4; k++) {
        // the highlighted image moves on once the score is saved
        await expect.poll(async () => (await rater.locator('[data-testid="rate-item"]').nth(k).getAttribute('class')) ?? '').toContain('focused');
        await rater.keyboard.press(String(k % 4));
        await expect.poll(() => rater.textContent('[data-testid="rater-progress"]')).toBe(`${(set - 1) * 4 + k + 1} / 8`);
      }
      if (set === 1) await rater.keyboard.press('Enter');
    }
    await rater.waitForSelector('[data-testid="rater-done"]');
    await rater.close();
  });

  it('gives the in-studio scoring view its own URL, and results report time per item', async () => {
    await page.goto(`${studio.url}#/human-eval?session=${sessionId}`);
    await page.click('[data-testid="he-score-as-alice"]');
    await page.waitForSelector('[data-testid="rate-item"] img');
    expect(page.url()).toMatch(new RegExp(`#/human-eval\\?session=${sessionId}&score=\\d+$`));
    await page.reload();
    await page.waitForSelector('[data-testid="rate-item"] img');
    expect(await page.textContent('[data-testid="rater-name"]')).toBe('alice');
    for (let set = 1; set <= 2; set++) {
      const items = page.locator('[data-testid="rate-item"]');
      for (let k = 0; k < 4; k++) await items.nth(k).locator('[data-testid="score-2"]').click();
      await expect.poll(() => page.textContent('[data-testid="rater-progress"]')).toBe(`${set * 4} / 8`);
      if (set < 2) await page.keyboard.press('Enter');
    }
    await page.click('[data-testid="he-stop-scoring"]');
    expect(page.url()).not.toContain('score=');
    await page.waitForSelector('[data-testid="he-results-raters"]');
    const rows = await page.locator('[data-testid="he-results-raters"] tbody tr').allTextContents();
    expect(rows).toHaveLength(2);
    expect(rows[0]).toMatch(/^bob8\d+\.\d s/);
    for (const [w, h] of [[1440, 900], [1280, 720]] as const) {
      await page.setViewportSize({ width: w, height: h });
      await page.locator('[data-testid="he-results-raters"]').scrollIntoViewIfNeeded();
      await page.screenshot({ path: join(SCREENSHOT_DIR, `humaneval-results-raters-${w}.png`) });
    }
  });

  it('a rater does a practice item first and fails an attention check, which the results report', async () => {
    const rater = await (await browser.newContext({ viewport: { width: 1280, height: 720 } })).newPage();
    await rater.goto(carolLink);
    await rater.waitForSelector('[data-testid="rate-item"] img');
    // the practice set comes first, says it is not counted, and holds one image
    await rater.waitForSelector('[data-testid="rater-practice"]');
    expect(await rater.locator('[data-testid="rate-item"]').count()).toBe(1);
    await rater.screenshot({ path: join(SCREENSHOT_DIR, 'humaneval-practice-1280.png') });
    await rater.keyboard.press('2');
    await expect.poll(() => rater.textContent('[data-testid="rater-progress"]')).toBe('1 / 11');
    await rater.keyboard.press('Enter');
    await expect.poll(() => rater.locator('[data-testid="rater-practice"]').count()).toBe(0);
    // then she gives every image 3: the clearly wrong image (another instrument's picture) too
    let done = 1;
    while (done < 11) {
      const items = rater.locator('[data-testid="rate-item"]');
      const n = await items.count();
      for (let k = 0; k < n; k++) {
        if ((await items.nth(k).getAttribute('data-score')) !== '') continue;
        await items.nth(k).locator('[data-testid="score-3"]').click();
        done++;
        await expect.poll(() => rater.textContent('[data-testid="rater-progress"]')).toBe(`${done} / 11`);
      }
      if (done < 11) await rater.keyboard.press('Enter');
    }
    await rater.waitForSelector('[data-testid="rater-done"]');
    await rater.close();
    await page.goto(`${studio.url}#/human-eval?session=${checkedId}`);
    await page.waitForSelector('[data-testid="he-results-attention"]');
    expect(await page.textContent('[data-testid="he-results-attention"] tr[data-rater="carol"] [data-testid="he-attention-failed"]')).toBe('1');
    expect(await page.textContent('[data-testid="he-results-attention"] tr[data-rater="carol"]')).toMatch(/scored 3 an image that is not a (clarinet|flute)/);
    // practice and checks are not in Fig. 8: 8 counted images
    const ns = await page.locator('[data-testid="he-results-methods"] tbody tr td:nth-child(3)').allTextContents();
    expect(ns.map(Number).reduce((a, b) => a + b, 0)).toBe(8);
    for (const [w, h] of [[1440, 900], [1280, 720]] as const) {
      await page.setViewportSize({ width: w, height: h });
      await page.locator('[data-testid="he-results-attention"]').scrollIntoViewIfNeeded();
      await page.screenshot({ path: join(SCREENSHOT_DIR, `humaneval-attention-${w}.png`) });
    }
  });

  it('warns when the ground truth is sharper than the generated images', async () => {
    await page.setViewportSize({ width: 1440, height: 900 });
    await page.goto(`${studio.url}#/human-eval?session=${sharpId}`);
    await page.waitForSelector('[data-testid="he-warning"]');
    expect(await page.textContent('[data-testid="he-warning"]')).toMatch(/ground truth is shown at 64×64 while the runs generate 16×16 images/);
    await page.screenshot({ path: join(SCREENSHOT_DIR, 'humaneval-gt-warning-1440.png') });
    await page.goto(`${studio.url}#/human-eval?session=${sessionId}`);
    await page.waitForSelector('[data-testid="he-score-as-alice"]');
    expect(await page.locator('[data-testid="he-warning"]').count()).toBe(0);
  });
});
