// How quick the Datasets screen is on a large dataset, as a user meets it in Chromium: the time from
// the click on the dataset to the first painted pair card, from an instrument filter and from a
// file-name search to the new pair count on screen, and whether scrolling a screen at a time ever
// shows blank (skeleton) rows. Used by the 20,000-pair e2e test (which asserts the behaviour) and by
// `npm run bench -- data` (which reports the timings at full size against the targets).
import type { Page } from 'playwright-core';

export interface DatasetsScreenQuery {
  /** the dataset's name, as its entry in the list is tagged (data-testid="dataset-<name>") */
  dataset: string;
  /** pairs in the dataset, and after each filter: the count the screen must show */
  total: number;
  instrument: string;
  instrumentTotal: number;
  search: string;
  searchTotal: number;
  /** screens to scroll (each 0.9 of the grid's height) */
  scrollSteps?: number;
}

export interface DatasetsScreenTimings {
  paintMs: number;
  filterMs: number;
  searchMs: number;
  scrollSteps: number;
  /** scroll steps after which a skeleton row was in view at the next frame */
  blankSteps: number;
  /** pair cards in the DOM after the first paint (the grid is virtualised) */
  cards: number;
  /** the instrument label of the first card once the instrument filter answered */
  filteredFirst: string | null;
}

const GRID = '[data-testid="pair-grid"]';
const WAIT_MS = 60_000;

// Page-side functions reach the DOM through globalThis: this module is typechecked without the DOM
// library too (the benchmark imports it), and the studio's CSP forbids string evaluation.
interface Box { top: number; bottom: number }
interface El { textContent: string | null; getBoundingClientRect(): Box; querySelectorAll(s: string): ArrayLike<El> }
interface PageGlobals { document: { querySelector(s: string): El | null; querySelectorAll(s: string): ArrayLike<El> }; requestAnimationFrame(cb: () => void): number }

function waitForTotal(page: Page, n: number): Promise<unknown> {
  return page.waitForFunction(
    (want) => Number((globalThis as unknown as PageGlobals).document.querySelector('[data-testid="pair-total"]')?.textContent?.split(' ')[0]) === want,
    n,
    { timeout: WAIT_MS, polling: 'raf' },
  );
}

export function skeletonsInView(page: Page): Promise<number> {
  return page.evaluate((grid) => {
    const el = (globalThis as unknown as PageGlobals).document.querySelector(grid);
    if (!el) return 0;
    const box = el.getBoundingClientRect();
    return Array.from(el.querySelectorAll('.pair-card.skeleton')).filter((s) => {
      const r = s.getBoundingClientRect();
      return r.bottom > box.top && r.top < box.bottom;
    }).length;
  }, GRID);
}

// (no named functions inside page-side code: tsx's keepNames would wrap them in a helper the page lacks)
const frames = (page: Page, n: number) =>
  page.evaluate(async (k) => {
    const g = globalThis as unknown as PageGlobals;
    for (let i = 0; i < k; i++) await new Promise<void>((resolve) => void g.requestAnimationFrame(() => resolve()));
  }, n);

/** Opens `url` (the studio's page), then times the dataset's grid, a filter, a search and scrolling. */
export async function probeDatasetsScreen(page: Page, url: string, q: DatasetsScreenQuery): Promise<DatasetsScreenTimings> {
  await page.goto(url);
  const entry = `[data-testid="dataset-${q.dataset}"]`;
  await page.waitForSelector(entry, { timeout: WAIT_MS });
  let t = performance.now();
  await page.click(entry);
  await page.waitForSelector(`${GRID} figure[data-pair-id]`, { timeout: WAIT_MS });
  const paintMs = performance.now() - t;
  await waitForTotal(page, q.total);
  const cards = await page.locator(`${GRID} figure`).count();

  t = performance.now();
  await page.selectOption('select[aria-label="Instrument"]', q.instrument);
  await waitForTotal(page, q.instrumentTotal);
  const filterMs = performance.now() - t;
  await page.waitForSelector(`${GRID} figure[data-pair-id]`, { timeout: WAIT_MS });
  const filteredFirst = await page.locator(`${GRID} figure[data-pair-id] strong`).first().textContent();

  t = performance.now();
  await page.fill('input[aria-label="Search pairs"]', q.search);
  await page.press('input[aria-label="Search pairs"]', 'Enter');
  await waitForTotal(page, q.searchTotal);
  const searchMs = performance.now() - t;
  await page.click('text=Clear filters');
  await waitForTotal(page, q.total);

  // scrolling a screen at a time once the rows around the view are loaded: the next screen is
  // already there at the next frame (prefetched), never a blank (skeleton) row
  const box = (await page.locator(GRID).boundingBox())!;
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  const scrollSteps = q.scrollSteps ?? 12;
  let blankSteps = 0;
  for (let step = 0; step < scrollSteps; step++) {
    await page.waitForFunction(() => (globalThis as unknown as PageGlobals).document.querySelectorAll('.filters [aria-live="polite"]').length === 0, undefined, { timeout: WAIT_MS });
    await page.mouse.wheel(0, box.height * 0.9);
    await frames(page, 2);
    if ((await skeletonsInView(page)) > 0) blankSteps++;
  }
  const round = (ms: number) => Math.round(ms);
  return { paintMs: round(paintMs), filterMs: round(filterMs), searchMs: round(searchMs), scrollSteps, blankSteps, cards, filteredFirst };
}
