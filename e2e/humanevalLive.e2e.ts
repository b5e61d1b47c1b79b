// The experimenter's Human eval screen follows other processes live (issue 16): a session created
// by another process appears; a rater scoring through a second `avstudio serve` on the same catalog
// moves the progress without a reload while results stay blind; when scoring completes the results
// appear, with the same Fig. 8 numbers as the tables export.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import sharp from 'sharp';
import type { Page } from 'playwright-core';
import { openStudio, type StudioContext } from '../core/studio/context';
import type { HumanEvalResults, HumanEvalSession, RaterState } from '../core/contract/api';
import { nowIso } from '../core/catalog/catalog';
import { findDataset } from '../core/catalog/datasetsRepo';
import { createSession } from '../core/humaneval/sessions';
import { planRun } from '../core/runs/planRun';
import { setRunStatus } from '../core/runs/runsRepo';
import { openBrowserStudio, SCREENSHOT_DIR, startServe, type BrowserStudio, type ServedStudio } from './harness';

let bs: BrowserStudio;
let studio: ServedStudio;
let second: ServedStudio;
let page: Page;
let ctx: StudioContext;
let session: HumanEvalSession;

async function api<T>(s: ServedStudio, method: string, body: unknown, token = s.token): Promise<T> {
  const res = await fetch(`${s.origin}/api/${method}`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const doc = (await res.json()) as { ok: boolean; result: T; error?: { message: string } };
  if (!doc.ok) throw new Error(`${method}: ${doc.error?.message}`);
  return doc.result;
}

beforeAll(async () => {
  bs = await openBrowserStudio();
  ({ studio, page } = bs);
  ctx = openStudio(studio.home); // a third process on the catalog: this test's
  second = await startServe(['--no-demo'], { home: studio.home });
}, 120_000);

afterAll(async () => {
  ctx?.close();
  await second?.stop();
  await bs?.close();
});

const progress = () => page.locator('[data-testid="he-rater-progress"]').allTextContents();

describe('human evaluation across processes', () => {
  it('shows a session another process created, without a reload', async () => {
    await page.goto(`${studio.url}#/human-eval`);
    await page.waitForSelector('.empty');
    // three "trained" S2I runs (a checkpoint row; images come from a stand-in generator)
    const datasetId = findDataset(ctx.catalog, 'demo')!.id;
    const done = (model: 's2i-c' | 's2i-n' | 's2i-a', seed: number) => {
      const id = planRun(ctx.catalog, { model, dataset: datasetId, preset: 'tiny', epochs: 1, seed }).targetRunId;
      setRunStatus(ctx.catalog, id, 'done');
      ctx.catalog.db.prepare('INSERT INTO checkpoints (run_id, epoch, step, path, created_at) VALUES (?, 1, 1, ?, ?)').run(id, '/nonexistent', nowIso());
      return id;
    };
    const runIds = [done('s2i-c', 1), done('s2i-n', 2), done('s2i-a', 3)];
    session = await createSession(ctx, { runIds, sets: 1, raters: ['ana'], seed: 7, name: 'Live study' }, {
      generate: async (runId, pairId, seed) => {
        const png = await sharp({ create: { width: 64, height: 64, channels: 3, background: { r: (runId * 40) % 256, g: (pairId * 7) % 256, b: (seed * 13) % 256 } } }).png().toBuffer();
        return { hash: ctx.blobs.put(png, 'png'), epoch: 1 };
      },
    });
    ctx.events.emit({ type: 'humaneval.changed', sessionId: session.id });
    await page.waitForSelector('[data-testid="he-detail"]', { timeout: 5_000 });
    expect(await progress()).toEqual([`0 / ${session.itemCount}`]);
    expect(await page.textContent('[data-testid="he-blind"]')).toContain('hidden');
  });

  it("moves the rater's progress live while results stay blind", async () => {
    const token = session.raters[0].token;
    const state = await api<RaterState>(second, 'humaneval.rater.state', { token }, token);
    // the rater scores three images through the second serving studio
    for (const it of state.items.slice(0, 3)) await api(second, 'humaneval.rater.score', { token, itemId: it.itemId, score: 2 }, token);
    await expect.poll(progress, { timeout: 3_000, interval: 50 }).toEqual([`3 / ${session.itemCount}`]);
    expect(await page.locator('[data-testid="he-results"]').count()).toBe(0);
    expect(await page.textContent('[data-testid="he-blind"]')).toContain('hidden');
    await page.screenshot({ path: join(SCREENSHOT_DIR, 'humaneval-live-progress.png'), fullPage: true });
  });

  it('shows the results when scoring completes, with the numbers of the Fig. 8 export', async () => {
    const token = session.raters[0].token;
    const state = await api<RaterState>(second, 'humaneval.rater.state', { token }, token);
    for (const [k, it] of state.items.entries()) if (it.score === null) await api(second, 'humaneval.rater.score', { token, itemId: it.itemId, score: (k * 5) % 4 }, token);
    await page.waitForSelector('[data-testid="he-results"]', { timeout: 5_000 });
    await expect.poll(progress).toEqual([`${session.itemCount} / ${session.itemCount}`]);
    const res = await api<HumanEvalResults>(studio, 'humaneval.results', { id: session.id });
    const fmt = (x: number) => x.toFixed(2);
    const screen = await page.locator('[data-testid="he-ci"]').allTextContents();
    expect(screen).toEqual(res.methods.map((m) => (m.ci ? `${fmt(m.ci[0])}–${fmt(m.ci[1])}` : '—')));
    const table = JSON.parse((await api<{ text: string }>(second, 'tables.export', { table: 'fig8', session: session.id, format: 'json' })).text) as { rows: Array<{ key: string; cells: Array<{ value: number }> }> };
    for (const m of res.methods) {
      const row = table.rows.find((r) => r.key === m.method)!;
      expect([row.cells[2].value, row.cells[4].value, row.cells[5].value]).toEqual([m.mean, m.ci?.[0], m.ci?.[1]]);
    }
    await page.screenshot({ path: join(SCREENSHOT_DIR, 'humaneval-live-results.png'), fullPage: true });
  });
});
