// The import wizard's dry run (issue 18) in Chromium against `avstudio serve`: a generated Sub-URMP
// release previewed per category and split with its skip list, before anything is written (the
// dataset list is unchanged); then the real import adds the pairs the preview announced.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, realpathSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import type { Page } from 'playwright-core';
import { makeReleaseFixture, makeUrmpFixture } from '../core/datasets/testFixtures';
import { openBrowserStudio, SCREENSHOT_DIR, type BrowserStudio, type ServedStudio } from './harness';

let env: BrowserStudio;
let studio: ServedStudio;
let page: Page;

beforeAll(async () => {
  // the folder browser may list the fixtures (in the temp folder) besides the home folder
  process.env.AVSTUDIO_BROWSE_ROOTS = realpathSync(tmpdir());
  env = await openBrowserStudio({ width: 1440, height: 900 });
  ({ studio, page } = env);
});
afterAll(() => env?.close());

describe('import preview', () => {
  it('shows what a release would add and skip before writing anything', async () => {
    const release = await makeReleaseFixture();
    const before = await env.call<Array<{ id: number }>>('datasets.list', {});
    await page.goto(studio.url);
    await page.waitForSelector('[data-testid="dataset-demo"]');
    await page.click('[data-testid="open-import"]');
    await page.waitForSelector('[data-testid="import-wizard"][open]');
    await page.check('[data-testid="kind-sub-urmp"]');
    await page.fill('[data-testid="wizard-path"]', release);
    await page.click('[data-testid="wizard-preview"]');
    await page.waitForSelector('[data-testid="wizard-preview-result"]');
    const head = await page.textContent('[data-testid="wizard-preview-result"] h3');
    const announced = Number(/(\d+) pairs would be imported/.exec(head ?? '')?.[1]);
    expect(announced).toBeGreaterThan(0);
    expect(await page.locator('[data-testid="preview-skip-report"] tbody tr').count()).toBeGreaterThan(0);
    // nothing written
    expect(await env.call<Array<{ id: number }>>('datasets.list', {})).toHaveLength(before.length);
    for (const [w, h] of [[1440, 900], [1280, 720]] as const) {
      await page.setViewportSize({ width: w, height: h });
      await page.screenshot({ path: join(SCREENSHOT_DIR, `datasets-import-preview-${w}.png`) });
    }
    await page.setViewportSize({ width: 1440, height: 900 });
    // the import itself: no more pairs than announced (decoding may skip a few more)
    await page.fill('[data-testid="wizard-name"]', 'previewed');
    await page.click('[data-testid="wizard-start"]');
    await page.waitForSelector('[data-testid="wizard-done"]');
    const list = await env.call<Array<{ name: string; pairCount: number }>>('datasets.list', {});
    const added = list.find((d) => d.name === 'previewed')!.pairCount;
    expect(added).toBeGreaterThan(0);
    expect(added).toBeLessThanOrEqual(announced);
    await page.click('[data-testid="wizard-close"]');
  });

  it('previews a URMP folder: tracks per split, the skip list and a warning for an instrument in one video only', async () => {
    const root = realpathSync(makeUrmpFixture().root);
    const before = await env.call<Array<{ id: number }>>('datasets.list', {});
    await page.click('[data-testid="open-import"]');
    await page.waitForSelector('[data-testid="import-wizard"][open]');
    await page.check('[data-testid="kind-urmp"]');
    // the server-side folder browser: open the parent, enter the URMP folder, use it
    await page.fill('[data-testid="wizard-path"]', dirname(root));
    await page.click('[data-testid="wizard-browse"]');
    await page.click(`[data-testid="browse-dir-${basename(root)}"]`);
    await expect.poll(() => page.textContent('[data-testid="browse-path"]')).toBe(root);
    await page.screenshot({ path: join(SCREENSHOT_DIR, 'datasets-import-browse-1440.png') });
    await page.click('[data-testid="browse-use"]');
    expect(await page.inputValue('[data-testid="wizard-path"]')).toBe(root);
    // outside the roots: a typed error, nothing listed
    await expect(env.call('files.browse', { path: '/etc' })).rejects.toThrow(/outside the folders that may be browsed/);
    await page.click('[data-testid="wizard-preview"]');
    await page.waitForSelector('[data-testid="wizard-preview-result"]');
    expect(await page.textContent('[data-testid="wizard-preview-result"] h3')).toContain('4 player tracks');
    expect(await page.locator('[data-testid="preview-skip-report"] tbody tr').count()).toBe(3);
    const warnings = await page.locator('[data-testid="wizard-preview-warning"]').allTextContents();
    expect(warnings.some((w) => w.includes('vc: every track goes to train') && w.includes('one video only'))).toBe(true);
    expect(await env.call<Array<{ id: number }>>('datasets.list', {})).toHaveLength(before.length);
    for (const [w, h] of [[1440, 900], [1280, 720]] as const) {
      await page.setViewportSize({ width: w, height: h });
      await page.screenshot({ path: join(SCREENSHOT_DIR, `datasets-import-preview-urmp-${w}.png`) });
    }
    await page.setViewportSize({ width: 1440, height: 900 });
  });

  it('previews a manifest: valid rows per class and split, a missing file skipped with its row', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'e2e-manifest-'));
    for (const f of ['a.png', 'a.wav']) writeFileSync(join(dir, f), '');
    const file = join(dir, 'pairs.csv');
    writeFileSync(file, 'image,audio,class,split\na.png,a.wav,vn,train\nmissing.png,a.wav,vn,test\n');
    await page.check('[data-testid="kind-manifest"]');
    await page.fill('[data-testid="wizard-path"]', file);
    await page.click('[data-testid="wizard-preview"]');
    await page.waitForSelector('[data-testid="wizard-preview-result"]');
    expect(await page.textContent('[data-testid="wizard-preview-result"] h3')).toContain('1 pairs would be imported');
    expect(await page.textContent('[data-testid="preview-skip-report"] tbody')).toContain('row 2: no such file');
    await page.screenshot({ path: join(SCREENSHOT_DIR, 'datasets-import-preview-manifest-1440.png') });
  });

  it('previews INIS folders: recordings per class and split, a one-recording class warned about', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'e2e-inis-'));
    for (const rel of ['images/piano/a.jpg', 'images/harp/a.jpg', 'audio/piano/1.wav', 'audio/piano/2.wav', 'audio/harp/1.wav']) {
      mkdirSync(join(dir, rel, '..'), { recursive: true });
      writeFileSync(join(dir, rel), '');
    }
    await page.check('[data-testid="kind-inis"]');
    await page.fill('[data-testid="wizard-images"]', join(dir, 'images'));
    await page.fill('[data-testid="wizard-audio"]', join(dir, 'audio'));
    await page.click('[data-testid="wizard-preview"]');
    await page.waitForSelector('[data-testid="wizard-preview-result"]');
    expect(await page.textContent('[data-testid="wizard-preview-result"] h3')).toContain('3 recordings');
    expect((await page.locator('[data-testid="wizard-preview-warning"]').allTextContents()).join(' ')).toContain('harp: every recording goes to train');
    await page.screenshot({ path: join(SCREENSHOT_DIR, 'datasets-import-preview-inis-1440.png') });
  });
});
