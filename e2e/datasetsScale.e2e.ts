// The Datasets screen at scale, in Chromium against `avstudio serve`: a 20,000-pair dataset (rows
// written straight into the served studio's catalog, pointing at small real files) — the pair grid
// renders, an instrument filter and a file-name search answer, and scrolling meets rows already
// loaded (the grid prefetches around the view) down to the last pair. Timings are printed, not
// asserted (the benchmark measures speed).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import type { Page } from 'playwright-core';
import { nowIso, openCatalog } from '../core/catalog/catalog';
import { createDataset } from '../core/catalog/datasetsRepo';
import { URMP_INSTRUMENTS } from '../core/datasets/instruments';
import { encodeWav } from '../core/media/wav';
import { openBrowserStudio, SCREENSHOT_DIR, type BrowserStudio } from './harness';
import { probeDatasetsScreen, skeletonsInView } from './datasetsScreenProbe';

const N = 20_000;
let env: BrowserStudio;
let page: Page;
let lastPairId: number;
const poll = <T>(fn: () => T | Promise<T>) => expect.poll(fn, { timeout: 20_000 });
const grid = '[data-testid="pair-grid"]';

/** 20,000 pairs over the 13 instruments (8:1 train/test), recordings of 500 windows, a distinct chunk file name per pair. */
async function seed(home: string): Promise<number> {
  const media = join(home, 'seed-media');
  mkdirSync(media, { recursive: true });
  const codes = Object.keys(URMP_INSTRUMENTS);
  const images: string[] = [];
  for (const [k, c] of codes.entries()) {
    const file = join(media, `${c}.jpg`);
    writeFileSync(file, await sharp({ create: { width: 64, height: 64, channels: 3, background: { r: (k * 19) % 256, g: (k * 71) % 256, b: 128 } } }).jpeg().toBuffer());
    images.push(file);
  }
  const wav = join(media, 'chunk.wav');
  writeFileSync(wav, encodeWav(new Float32Array(22050).map((_, i) => 0.2 * Math.sin(i / 10)), 44100));
  const cat = openCatalog(join(home, 'catalog.sqlite'));
  try {
    return cat.tx(() => {
      const ds = createDataset(cat, { name: 'scale', kind: 'sub-urmp', description: `${N} pairs written by the e2e test` });
      const src = cat.db.prepare('INSERT INTO sources (hash, kind, path, original_name, bytes, duration_s, width, height, created_at) VALUES (?, ?, ?, ?, 0, ?, ?, ?, ?)');
      const imageIds = codes.map((c, k) => Number(src.run(`seed-image-${c}`, 'image', images[k], `${c}.jpg`, null, 64, 64, nowIso()).lastInsertRowid));
      const pair = cat.db.prepare(
        "INSERT INTO pairs (dataset_id, pair_key, instrument, split, audio_source_id, image_source_id, group_key, start_s, dur_s, state) VALUES (?, ?, ?, ?, ?, ?, ?, 0, 0.5, 'pending')",
      );
      let last = 0;
      for (let k = 0; k < N; k++) {
        const c = k % codes.length;
        const i = Math.floor(k / codes.length);
        const rec = `${codes[c]}${String(1 + Math.floor(i / 500)).padStart(2, '0')}`;
        const name = `${rec}_${(i % 500) * 100}`;
        const audio = Number(src.run(`seed-audio-${k}`, 'audio', wav, `${name}.wav`, 0.5, null, null, nowIso()).lastInsertRowid);
        last = Number(pair.run(ds, `p${k}`, codes[c], i % 9 === 0 ? 'test' : 'train', audio, imageIds[c], rec).lastInsertRowid);
      }
      return last;
    });
  } finally {
    cat.close();
  }
}

const total = async () => Number((await page.textContent('[data-testid="pair-total"]'))?.split(' ')[0]);

beforeAll(async () => {
  env = await openBrowserStudio({ width: 1360, height: 900 });
  page = env.page;
  lastPairId = await seed(env.studio.home);
});

afterAll(() => env?.close());

describe('Datasets screen at 20,000 pairs', () => {
  it('renders the grid, filters, searches and scrolls without blank rows', async () => {
    // the same probe the data benchmark runs at 80,805 pairs (e2e/datasetsScreenProbe.ts)
    const t = await probeDatasetsScreen(page, env.studio.url, {
      dataset: 'scale',
      total: N,
      instrument: 'vn',
      instrumentTotal: Math.ceil(N / 13),
      search: 'vn02_',
      searchTotal: 500,
    });
    expect(t.cards).toBeGreaterThan(10);
    expect(t.cards).toBeLessThan(1000); // virtualised
    expect(t.filteredFirst).toBe('vn');
    expect(t.blankSteps).toBe(0);
    expect(await total()).toBe(N);

    // a jump to the end fills in, down to the last pair
    await page.focus(grid);
    await page.keyboard.press('End');
    await poll(() => page.locator(`${grid} figure[data-pair-id="${lastPairId}"]`).count()).toBe(1);
    await poll(() => skeletonsInView(page)).toBe(0);
    await page.screenshot({ path: join(SCREENSHOT_DIR, 'datasets-20000.png') });
    console.log(`20,000 pairs: grid painted ${t.paintMs} ms after the click, instrument filter ${t.filterMs} ms, search ${t.searchMs} ms`);
  });
});
