// The studio shell in Chromium against `avstudio serve`: every screen opens and shows a designed
// state, the demo dataset's pairs are there, and the server refuses requests without the token.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { openBrowserStudio, SCREENSHOT_DIR, type BrowserStudio } from './harness';

let env: BrowserStudio;
beforeAll(async () => {
  env = await openBrowserStudio({ width: 1280, height: 860 });
});
afterAll(() => env?.close());

describe('studio shell', () => {
  const page = () => env.page;
  it('shows the demo dataset with its pair count', async () => {
    await page().goto(env.studio.url);
    await page().waitForSelector('[data-testid="dataset-demo"]');
    const count = await page().textContent('[data-testid="dataset-demo"] [data-testid="dataset-pair-count"]');
    expect(Number(count)).toBe(208);
    await page().waitForSelector('[data-testid="pair-grid"] img');
    expect(await page().locator('[data-testid="pair-grid"] figure').count()).toBeGreaterThan(10);
    // thumbnails really load (media served through the token-protected /media route)
    const loaded = await page().$$eval('[data-testid="pair-grid"] img', (imgs) => imgs.filter((i) => (i as unknown as { naturalWidth: number }).naturalWidth > 0).length);
    expect(loaded).toBeGreaterThan(0);
    await page().screenshot({ path: join(SCREENSHOT_DIR, 'datasets.png'), fullPage: true });
  });

  it('filters pairs by split', async () => {
    await page().selectOption('select[aria-label="Split"]', 'test');
    await expect.poll(() => page().textContent('[data-testid="pair-total"]')).toBe('104 pairs');
  });

  for (const screen of ['runs', 'compare', 'human-eval', 'tables']) {
    it(`opens the ${screen} screen from the side bar`, async () => {
      await page().click(`a[data-screen="${screen}"]`);
      await page().waitForSelector(`[data-screen-view="${screen}"]`);
      expect(await page().isVisible(`[data-screen-view="${screen}"] h1`)).toBe(true);
      await page().screenshot({ path: join(SCREENSHOT_DIR, `${screen}.png`), fullPage: true });
    });
  }

  it('refuses requests without the session token', async () => {
    const noToken = await fetch(`${env.studio.origin}/api/datasets.list`, { method: 'POST', body: '{}' });
    expect(noToken.status).toBe(401);
    const root = await fetch(`${env.studio.origin}/`);
    expect(root.status).toBe(401);
    const wrong = await fetch(`${env.studio.origin}/api/datasets.list`, { method: 'POST', body: '{}', headers: { authorization: 'Bearer nope' } });
    expect(wrong.status).toBe(401);
  });

  it('answers malformed requests with a 4xx and keeps serving', async () => {
    const auth = { authorization: `Bearer ${env.studio.token}`, 'content-type': 'application/json' };
    const badJson = await fetch(`${env.studio.origin}/api/pairs.list`, { method: 'POST', body: '{oops', headers: auth });
    expect(badJson.status).toBe(400);
    const badInput = await fetch(`${env.studio.origin}/api/pairs.list`, { method: 'POST', body: JSON.stringify({ datasetId: 'one' }), headers: auth });
    expect(badInput.status).toBe(400);
    expect(((await badInput.json()) as { error: { kind: string } }).error.kind).toBe('bad_request');
    const unknown = await fetch(`${env.studio.origin}/api/nope.nothing`, { method: 'POST', body: '{}', headers: auth });
    expect(unknown.status).toBe(400);
    const ok = await fetch(`${env.studio.origin}/api/studio.status`, { method: 'POST', body: '{}', headers: auth });
    expect(ok.status).toBe(200);
  });

  it('logged no errors in the page', () => {
    expect(env.consoleErrors).toEqual([]);
  });
});
