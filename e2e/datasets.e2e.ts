// The Datasets screen in Chromium against `avstudio serve`: the virtualised pair browser, the import
// wizard (a generated Sub-URMP release), the pair inspector (wavesurfer track with its window region,
// LMS heat map, pictures), curation from the keyboard with undo, a track crop box drawn on a URMP
// video frame — every change checked through the API.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import type { Pair } from '../core/contract/api';
import { makeReleaseFixture, makeUrmpFixture } from '../core/datasets/testFixtures';
import { openBrowserStudio, SCREENSHOT_DIR, type BrowserStudio, type ServedStudio } from './harness';

let env: BrowserStudio;
let studio: ServedStudio;
let page: Page;

const call = <T>(method: string, input: unknown) => env.call<T>(method, input);
const getPair = (id: number) => call<Pair>('pairs.get', { id });
/** expect.poll with room for a busy server (the default gives up after 1 s) */
const poll = <T>(fn: () => T | Promise<T>) => expect.poll(fn, { timeout: 15_000 });
const shot = (name: string) => page.screenshot({ path: join(SCREENSHOT_DIR, name) });
const openPairId = () => Number(/pairs\/(\d+)/.exec(page.url())?.[1] ?? NaN);

beforeAll(async () => {
  env = await openBrowserStudio({ width: 1360, height: 900 });
  ({ studio, page } = env);
});

afterAll(() => env?.close());

describe('Datasets screen', () => {
  it('browses the demo pairs in a virtualised grid with filters', async () => {
    await page.goto(studio.url);
    await page.waitForSelector('[data-testid="dataset-demo"]');
    await page.waitForSelector('[data-testid="pair-grid"] figure img');
    expect(await page.textContent('[data-testid="pair-total"]')).toBe('208 pairs');
    // virtualised: far fewer cards in the DOM than pairs
    const cards = await page.locator('[data-testid="pair-grid"] figure').count();
    expect(cards).toBeGreaterThan(10);
    expect(cards).toBeLessThan(208);
    // scrolling to the end fetches and renders the last pairs
    await page.$eval('[data-testid="pair-grid"]', (el) => (el.scrollTop = el.scrollHeight));
    await poll(() => page.locator('[data-testid="pair-grid"] figure[data-pair-id="208"]').count()).toBe(1);
    await page.$eval('[data-testid="pair-grid"]', (el) => (el.scrollTop = 0));
    await page.selectOption('select[aria-label="Instrument"]', { index: 2 });
    await poll(() => page.textContent('[data-testid="pair-total"]')).not.toBe('208 pairs');
    const track = await page.$eval('select[aria-label="Source track"] option:nth-child(2)', (o) => (o as unknown as { value: string }).value);
    await page.selectOption('select[aria-label="Source track"]', track);
    await poll(async () => Number((await page.textContent('[data-testid="pair-total"]'))?.split(' ')[0])).toBeLessThan(60);
    await page.click('text=Clear filters');
    await poll(() => page.textContent('[data-testid="pair-total"]')).toBe('208 pairs');
    await page.waitForSelector('[data-testid="pair-grid"] figure img');
    await shot('datasets-grid.png');
  });

  it('imports a Sub-URMP release through the wizard with progress and the skip report', async () => {
    const release = await makeReleaseFixture();
    await page.click('[data-testid="open-import"]');
    await page.waitForSelector('[data-testid="import-wizard"][open]');
    await page.check('[data-testid="kind-sub-urmp"]');
    await page.fill('[data-testid="wizard-path"]', release);
    await page.fill('[data-testid="wizard-name"]', 'release-fixture');
    await page.click('[data-testid="wizard-start"]');
    await page.waitForSelector('[data-testid="wizard-done"]');
    expect(await page.locator('[data-testid="skip-report"] tbody tr').count()).toBe(4);
    expect(await page.textContent('[data-testid="wizard-done"]')).toContain('7');
    await shot('datasets-wizard.png');
    await page.click('[data-testid="wizard-close"]');
    await page.waitForSelector('[data-testid="dataset-release-fixture"].active');
    await poll(() => page.textContent('[data-testid="pair-total"]')).toBe('7 pairs');
    // imported pictures live outside the blob store and still load (served from the sources table)
    await page.waitForSelector('[data-testid="pair-grid"] figure img');
    await expect
      .poll(() => page.$$eval('[data-testid="pair-grid"] img', (imgs) => imgs.filter((i) => (i as unknown as { naturalWidth: number }).naturalWidth > 0).length))
      .toBeGreaterThan(0);
    const list = await call<Array<{ name: string; pairCount: number }>>('datasets.list', {});
    expect(list.find((d) => d.name === 'release-fixture')?.pairCount).toBe(7);
  });

  it('inspects a pair, moves its window, rejects and undoes from the keyboard', async () => {
    await page.click('[data-testid="dataset-demo"]');
    await poll(() => page.textContent('[data-testid="pair-total"]')).toBe('208 pairs');
    await page.click('[data-testid="pair-grid"] figure[data-pair-id="3"]');
    await page.waitForSelector('[data-testid="inspector"]');
    expect(openPairId()).toBe(3);
    await page.waitForSelector('[data-testid="lms-heatmap"]');
    await page.waitForSelector('[data-testid="picture-64"]');
    await page.waitForSelector('[data-testid="track-view"][data-status="ready"]');
    const before = await getPair(3);

    // drag the window region on the waveform (wavesurfer renders into a shadow root; locators pierce it)
    const region = page.locator('[data-testid="track-view"] [part~="region"]').first();
    const box = (await region.boundingBox())!;
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width / 2 + 40, box.y + box.height / 2, { steps: 8 });
    await page.mouse.up();
    await poll(async () => (await getPair(3)).startS).toBeGreaterThan(before.startS + 0.1);
    await page.waitForSelector('[data-testid="inspector-notice"]:has-text("window moved")');

    // the API-backed control: type a start
    await page.fill('[data-testid="window-start"]', '1.2');
    await page.click('[data-testid="move-apply"]');
    await poll(async () => (await getPair(3)).startS).toBe(1.2);
    // a window past the end: the error shows at the control and names the track's file
    await page.fill('[data-testid="window-start"]', '2.9');
    await page.click('[data-testid="move-apply"]');
    await page.waitForSelector('[data-testid="move-error"]');
    expect(await page.textContent('[data-testid="move-error"]')).toMatch(/runs past the end.*\.wav|\.wav.*runs past the end/);
    await shot('datasets-inspector.png');

    // the spectrogram's frequency axis sits beside it (not over the data), with readable ticks, and
    // the window region spans the waveform and the spectrogram (it is one region, so it moves with a drag)
    const axis = (await page.locator('[data-testid="freq-axis"]').boundingBox())!;
    const waveBox = (await page.locator('[data-testid="track-view"] .track-wave').boundingBox())!;
    expect(axis.x + axis.width).toBeLessThanOrEqual(waveBox.x + 0.5);
    expect(await page.locator('[data-testid="freq-axis"] .freq-tick').allTextContents()).toEqual(['0', '500', '1k', '2k', '4k', '8k']);
    const spanned = (await region.boundingBox())!;
    expect(spanned.height).toBeGreaterThan(180);
    expect(await page.locator('[data-testid="track-view"] [part~="spec-labels"]').count()).toBe(0);
    for (const [w, h] of [[1440, 900], [1280, 720]] as const) {
      await page.setViewportSize({ width: w, height: h });
      await page.locator('[data-testid="track-view"]').scrollIntoViewIfNeeded();
      await shot(`datasets-inspector-spectrogram-${w}x${h}.png`);
    }
    await page.setViewportSize({ width: 1360, height: 900 });

    // keyboard: R rejects, U undoes
    await page.locator('[data-testid="inspector"]').focus();
    await page.keyboard.press('r');
    await poll(async () => (await getPair(3)).state).toBe('rejected');
    await poll(() => page.textContent('[data-testid="inspector-state"]')).toBe('rejected');
    await page.keyboard.press('u');
    await poll(async () => (await getPair(3)).state).toBe(before.state);
    await page.keyboard.press('x');
    await poll(async () => (await getPair(3)).state).toBe('pending');
    await page.keyboard.press('Control+z');
    await poll(async () => (await getPair(3)).state).toBe(before.state);
    const history = await call<Array<{ field: string; undone: boolean }>>('pairs.history', { pairId: 3 });
    expect(history.map((h) => [h.field, h.undone])).toEqual([
      ['window', false],
      ['window', false],
      ['state', true],
      ['state', true],
    ]);
    await poll(() => page.locator('[data-testid="history"] li').count()).toBe(4);
    // J / K step through the pairs in the browser's order
    await page.keyboard.press('j');
    await poll(openPairId).toBe(4);
    await page.keyboard.press('k');
    await poll(openPairId).toBe(3);
    await page.keyboard.press('Escape');
    await page.waitForSelector('[data-testid="inspector"]', { state: 'detached' });
  });

  it('draws and saves a player crop box on a URMP video frame', async () => {
    const { root } = makeUrmpFixture();
    const r = await call<{ dataset: { id: number } }>('datasets.ingest', { kind: 'urmp', path: root, name: 'urmp-fixture' });
    const pair = (await call<{ items: Pair[] }>('pairs.list', { datasetId: r.dataset.id, limit: 1 })).items[0];
    await page.goto(`${studio.url}#/datasets/${r.dataset.id}/pairs/${pair.id}`);
    await page.waitForSelector('[data-testid="crop-stage"] img');
    await page.waitForFunction(() => (document.querySelector('[data-testid="crop-stage"] img') as HTMLImageElement | null)?.naturalWidth === 160);
    await page.locator('[data-testid="crop-stage"]').scrollIntoViewIfNeeded();
    const stage = (await page.locator('[data-testid="crop-stage"]').boundingBox())!;
    await page.mouse.move(stage.x + stage.width * 0.25, stage.y + stage.height * 0.2);
    await page.mouse.down();
    await page.mouse.move(stage.x + stage.width * 0.6, stage.y + stage.height * 0.8, { steps: 6 });
    await page.mouse.up();
    await page.click('[data-testid="crop-save"]');
    await poll(async () => (await getPair(pair.id)).crop).not.toBeNull();
    const crop = (await getPair(pair.id)).crop!;
    expect(crop.x).toBeGreaterThanOrEqual(38);
    expect(crop.x).toBeLessThanOrEqual(42);
    expect(crop.w).toBeGreaterThan(50);
    // the crop belongs to the track: every pair of the track has it
    const same = await call<{ items: Pair[] }>('pairs.list', { datasetId: r.dataset.id, group: pair.groupKey, limit: 1000 });
    expect(same.items.every((p) => JSON.stringify(p.crop) === JSON.stringify(crop))).toBe(true);
    await page.waitForSelector('[data-testid="picture-full"]');
    await poll(() => page.$eval('[data-testid="picture-full"]', (i) => (i as HTMLImageElement).naturalWidth)).toBe(crop.w);
    await page.locator('[data-testid="crop-editor"]').scrollIntoViewIfNeeded();
    await shot('datasets-crop.png');
  });

  it('logged no errors in the page (but the one refused move)', () => {
    expect(env.consoleErrors).toEqual(['Failed to load resource: the server responded with a status of 400 (Bad Request)']);
  });
});
