// The Runs screen as a researcher uses it (issue 17), in Chromium against `avstudio serve`: the
// launch form's paper options (a sound classifier on MS with 3 conv layers; a pose-oriented S2I-C),
// an S2I-C and an S2I-A run overlaid with a value read from the hover readout, drag-zoom and reset,
// the URL following the run shown, the worker's log after the run ended, a reordered table column
// that survives a reload, and no horizontal scrollbar at 1440×900. Screenshots at 1440×900 and 1280×720.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { openBrowserStudio, SCREENSHOT_DIR, type BrowserStudio, type ServedStudio } from './harness';

let env: BrowserStudio;
let studio: ServedStudio;
let page: Page;

interface Run { id: number; model: string; status: string; representation: string; convLayers: number; wrongPairs: string; instrument: string | null; epoch: number }

beforeAll(async () => {
  env = await openBrowserStudio({ width: 1440, height: 900 });
  ({ studio, page } = env);
});

afterAll(() => env?.close());

const shot = async (name: string): Promise<void> => {
  await page.screenshot({ path: join(SCREENSHOT_DIR, `${name}-1440.png`) });
  await page.setViewportSize({ width: 1280, height: 720 });
  await page.waitForTimeout(300);
  await page.screenshot({ path: join(SCREENSHOT_DIR, `${name}-1280.png`) });
  await page.setViewportSize({ width: 1440, height: 900 });
  await page.waitForTimeout(300);
};

const runs = () => env.call<Run[]>('runs.list', {});
const headerOrder = () => page.$$eval('.runs-table thead th[data-col]', (ths) => ths.map((t) => t.getAttribute('data-col')));

describe('runs screen for researchers', () => {
  it('launches a sound classifier on MS with 3 conv layers from the form', async () => {
    await page.goto(`${studio.url}#/runs`);
    await page.click('[data-testid="new-run"]');
    await page.selectOption('[data-testid="launch-model"]', 'sound-clf');
    await page.selectOption('[data-testid="launch-representation"]', 'ms');
    await page.selectOption('[data-testid="launch-conv-layers"]', '3');
    await page.fill('[data-testid="launch-epochs"]', '5');
    await expect.poll(() => page.textContent('[data-testid="launch-preview"]'), { timeout: 20_000 }).toContain('MS · 3 conv layers');
    expect(await page.textContent('[data-testid="launch-cli"]')).toContain('--representation ms --conv-layers 3');
    await shot('runs-launch-form');
    await page.click('[data-testid="launch-submit"]');
    await page.waitForSelector('[data-testid="run-detail"]');
    const clf = (await runs()).find((r) => r.model === 'sound-clf')!;
    expect([clf.representation, clf.convLayers]).toEqual(['ms', 3]);
    expect(page.url()).toContain(`run=${clf.id}`);
    // once an epoch is timed, the run shows its ETA from the seconds per epoch
    await expect.poll(async () => (await page.textContent('[data-testid="run-detail"]')) ?? '', { timeout: 60_000, interval: 100 }).toMatch(/ETA \d+ s \(\d+\.\d s\/epoch\)/);
    await shot('runs-running');
  });

  it('launches a pose-oriented S2I-C run from the form (its encoder and Γ queued first)', async () => {
    await page.click('[data-testid="new-run"]');
    await page.selectOption('[data-testid="launch-model"]', 's2i-c');
    await page.selectOption('[data-testid="launch-wrong-pairs"]', 'pose');
    await page.selectOption('[data-testid="launch-instrument"]', { index: 1 });
    await page.fill('[data-testid="launch-epochs"]', '1');
    await page.fill('[data-testid="launch-encoder-epochs"]', '1');
    await expect.poll(() => page.textContent('[data-testid="launch-preview"]'), { timeout: 20_000 }).toContain('pose-oriented');
    await shot('runs-launch-pose');
    await page.click('[data-testid="launch-submit"]');
    await page.waitForSelector('[data-testid="run-detail"]');
    const s2ic = (await runs()).find((r) => r.model === 's2i-c')!;
    expect(s2ic.wrongPairs).toBe('pose');
    expect(s2ic.instrument).toBeTruthy();
    // the queue has an ETA line while runs wait; the sidebar counts the new runs without a reload
    await page.waitForSelector('[data-testid="queue-eta"]', { timeout: 10_000 });
    await expect.poll(() => page.textContent('[data-testid="status"]'), { timeout: 10_000 }).toContain('4 runs');
  });

  it('overlays an S2I-C and an S2I-A run and reads a value from the hover readout', async () => {
    // an S2I-A run (its autoencoder first; the Γ above is reused) through the API, as another window would
    await env.call('runs.launch', { model: 's2i-a', dataset: 1, preset: 'tiny', epochs: 1, encoderEpochs: 1 });
    await expect.poll(async () => (await runs()).every((r) => r.status === 'done'), { timeout: 400_000, interval: 2000 }).toBe(true);
    await expect.poll(() => page.textContent('[data-testid="status"]'), { timeout: 10_000 }).toContain('6 runs');
    const all = await runs();
    const s2ic = all.find((r) => r.model === 's2i-c')!;
    const s2ia = all.find((r) => r.model === 's2i-a')!;
    const clf = all.find((r) => r.model === 'sound-clf' && r.representation === 'ms')!;

    // the URL names the run shown: changing it opens that run without a reload
    await page.evaluate((id) => (location.hash = `#/runs?run=${id}`), clf.id);
    await expect.poll(() => page.textContent('[data-testid="run-detail"] h2')).toContain(`Run ${clf.id}`);
    await page.evaluate((id) => (location.hash = `#/runs?run=${id}`), s2ic.id);
    await expect.poll(() => page.textContent('[data-testid="run-detail"] h2')).toContain(`Run ${s2ic.id}`);
    // the worker's log is kept with the run and shown after it ended
    expect(await page.textContent('[data-testid="run-log"]')).toContain('finished at epoch 1');
    await page.$eval('[data-testid="run-log"]', (el) => el.scrollIntoView({ block: 'center' }));
    await shot('runs-log');
    await page.click('[data-testid="overlay-picker"] summary');
    await shot('runs-overlay-picker');
    await page.click('[data-testid="overlay-picker"] summary');

    await page.check(`[data-testid="overlay-${s2ia.id}"]`);
    await page.waitForSelector('[data-testid="run-legend"]');
    const legend = await page.textContent('[data-testid="run-legend"]');
    expect(legend).toContain(`#${s2ic.id}`);
    expect(legend).toContain(`#${s2ia.id}`);
    expect(legend).toContain('s2i-a · tiny');

    const plot = page.locator('figure.chart').first().locator('.u-over');
    await plot.scrollIntoViewIfNeeded();
    const box = (await plot.boundingBox())!;
    await page.mouse.move(box.x + box.width * 0.1, box.y + box.height * 0.5);
    const readout = page.locator('[data-testid="chart-readout"]').first();
    await expect.poll(() => readout.textContent()).not.toContain('last ·');
    const text = (await readout.textContent()) ?? '';
    expect(text).toMatch(new RegExp(`#${s2ic.id} d_loss \\d+\\.\\d+`));
    expect(text).toMatch(new RegExp(`#${s2ia.id} g_loss \\d+\\.\\d+`));
    await page.evaluate(() => window.scrollTo(0, 0));
    await shot('runs-overlay');
    await plot.scrollIntoViewIfNeeded();
    await page.mouse.move(box.x + box.width * 0.5, box.y + box.height * 0.5);
    await shot('runs-charts');
  }, 600_000);

  it('zooms a chart by dragging and resets it', async () => {
    const chart = page.locator('figure.chart').first();
    const plot = chart.locator('.u-over');
    const box = (await plot.boundingBox())!;
    await page.mouse.move(box.x + box.width * 0.3, box.y + box.height * 0.5);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.45, box.y + box.height * 0.5, { steps: 5 });
    await page.mouse.move(box.x + box.width * 0.6, box.y + box.height * 0.5, { steps: 5 });
    await page.mouse.up();
    await chart.locator('[data-testid="chart-reset"]').waitFor({ state: 'visible' });
    await chart.locator('[data-testid="chart-reset"]').click();
    await chart.locator('[data-testid="chart-reset"]').waitFor({ state: 'detached' });
    // log scale redraws the same series
    await chart.locator('[data-testid="chart-log"]').click();
    expect(await chart.locator('[data-testid="chart-log"]').getAttribute('aria-pressed')).toBe('true');
    await chart.locator('[data-testid="chart-log"]').click();
    // x by training time (seconds from the per-epoch timing) and by epoch
    await page.selectOption('[data-testid="chart-x"]', 'time');
    await expect.poll(() => chart.locator('[data-testid="chart-readout"]').textContent()).toMatch(/training time \d+(\.\d)? s/);
    await page.$eval('.charts', (el) => el.scrollIntoView({ block: 'start' }));
    await shot('runs-time-axis');
    await page.selectOption('[data-testid="chart-x"]', 'epoch');
    await expect.poll(() => chart.locator('[data-testid="chart-readout"]').textContent()).toMatch(/epoch 1/);
    await page.selectOption('[data-testid="chart-x"]', 'step');
  });

  it('has no horizontal scrollbar at 1440×900 and keeps a reordered column across a reload', async () => {
    const overflow = await page.$eval('.table-wrap', (el) => el.scrollWidth - el.clientWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    expect(await page.$eval('html', (el) => el.scrollWidth - el.clientWidth)).toBeLessThanOrEqual(0);
    const before = await headerOrder();
    expect(before.indexOf('seed')).toBeGreaterThan(before.indexOf('preset'));
    await page.click('[data-testid="columns-picker"] summary');
    await page.click('[data-testid="col-left-seed"]');
    await page.click('[data-testid="col-toggle-gammaLast"]');
    await shot('runs-columns');
    await page.click('[data-testid="columns-picker"] summary');
    const after = await headerOrder();
    expect(after.indexOf('seed')).toBe(after.indexOf('preset') - 1);
    expect(after).toContain('gammaLast');
    await page.reload();
    await page.waitForSelector('[data-testid="runs-table"] tbody tr');
    expect(await headerOrder()).toEqual(after);
    // the Γ column names its kind and holds the S2I runs' values only
    expect(await page.textContent('.runs-table thead')).toContain('Γ acc. best');
    await page.selectOption('[data-testid="runs-group"]', 'model');
    await page.waitForSelector('.group-row');
    await shot('runs-table-grouped');
    await page.selectOption('[data-testid="runs-group"]', '');
  });

  it('clones a run into the form with one key and exports the table as CSV', async () => {
    const clf = (await runs()).find((r) => r.model === 'sound-clf' && r.representation === 'ms')!;
    await page.focus(`tr[data-run-id="${clf.id}"]`);
    await page.keyboard.press('l');
    await page.waitForSelector('[data-testid="launch-form"]');
    expect(await page.inputValue('[data-testid="launch-representation"]')).toBe('ms');
    expect(await page.inputValue('[data-testid="launch-conv-layers"]')).toBe('3');
    await page.keyboard.press('Escape');
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid="runs-csv"]')]);
    const path = await download.path();
    const { readFileSync } = await import('node:fs');
    const csv = readFileSync(path!, 'utf8').split('\r\n');
    expect(csv[0]).toContain('Γ acc. best');
    expect(csv.length).toBeGreaterThanOrEqual(7);

    // Table 1 as one sweep from the form: 5 representations × 2 depths, one snapshot
    await page.click('[data-testid="new-run"]');
    await page.selectOption('[data-testid="launch-model"]', 'sound-clf');
    await page.fill('[data-testid="launch-epochs"]', '1');
    await page.waitForSelector('[data-testid="launch-preview"] li');
    await page.click('[data-testid="launch-table1-sweep"]');
    await expect.poll(async () => (await runs()).length, { timeout: 20_000 }).toBe(16);
    const sweep = (await env.call<Array<Run & { snapshotId: number }>>('runs.list', {})).slice(6);
    expect(new Set(sweep.map((r) => `${r.representation}/${r.convLayers}`)).size).toBe(10);
    expect(new Set(sweep.map((r) => r.snapshotId)).size).toBe(1);
    for (const r of sweep) await env.call('runs.stop', { id: r.id }).catch(() => undefined);
    expect(env.consoleErrors).toEqual([]);
  });
});
