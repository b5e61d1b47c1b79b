// Tables ready for the paper (issue 18) in Chromium against `avstudio serve`: Fig. 8 opens on the
// newest complete human-evaluation session (no "name it with --session" error), Table 5 marks its best
// values in bold and links each cell to its run at the epoch it came from (the Runs screen opens there),
// Table 3 offers only INIS datasets. Rows are written into the served catalog by a second process
// (this test), as the CLI would. Screenshots at 1440×900 and 1280×720.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { openCatalog, type Catalog } from '../core/catalog/catalog';
import { createSnapshot } from '../core/datasets/snapshots';
import { resolveRunConfig, type ModelKind } from '../core/runs/runConfig';
import { addEvaluations, createRun, setRunStatus } from '../core/runs/runsRepo';
import { openBrowserStudio, SCREENSHOT_DIR, type BrowserStudio, type ServedStudio } from './harness';

let env: BrowserStudio;
let studio: ServedStudio;
let page: Page;
let cat: Catalog;
let s2ic = 0;

function session(name: string, complete: boolean, datasetId: number): number {
  const db = cat.db;
  const methods = ['s2i-c', 's2i-a', 's2i-n', 'ground-truth'].map((m) => ({ method: m, runId: null, model: m, epoch: null }));
  const config = { datasetId, seed: 1, setsPerInstrument: 2, instruments: ['vc', 'fl'], methods, sets: [] };
  const sid = Number(db.prepare("INSERT INTO humaneval_sessions (name, rubric, config, created_at) VALUES (?, 'table4', ?, '2026-12-01T10:00:00Z')").run(name, JSON.stringify(config)).lastInsertRowid);
  const items = ['vc', 'fl'].flatMap((inst) => ['s2i-c', 's2i-a', 's2i-n', 'ground-truth'].map((m) => [inst, m]));
  const ids = items.map(([inst, m], k) => Number(db.prepare("INSERT INTO humaneval_items (session_id, set_index, instrument, method, blob_hash) VALUES (?, ?, ?, ?, 'h')").run(sid, k % 4, inst, m).lastInsertRowid));
  for (const [r, rater] of ['ann', 'bo'].entries()) {
    const rid = Number(db.prepare('INSERT INTO humaneval_raters (session_id, name, token, seed) VALUES (?, ?, ?, 1)').run(sid, rater, `tok-${sid}-${rater}`).lastInsertRowid);
    ids.slice(0, complete ? ids.length : 3).forEach((it, k) => db.prepare("INSERT INTO humaneval_scores (rater_id, item_id, score, position, at) VALUES (?, ?, ?, ?, '2026-12-01T10:05:00Z')").run(rid, it, (k + r) % 4, k));
  }
  return sid;
}

beforeAll(async () => {
  env = await openBrowserStudio({ width: 1440, height: 900 });
  ({ studio, page } = env);
  cat = openCatalog(join(studio.home, 'catalog.sqlite'));
  const demo = (cat.db.prepare("SELECT id FROM datasets ORDER BY id LIMIT 1").get() as { id: number }).id;
  const snap = createSnapshot(cat, demo).id;
  const run = (model: ModelKind, extra: Partial<Parameters<typeof resolveRunConfig>[0]> = {}) => {
    const id = createRun(cat, resolveRunConfig({ model, preset: 'tiny', datasetId: demo, snapshotId: snap, epochs: 10, ...extra }));
    setRunStatus(cat, id, 'done');
    return id;
  };
  const gamma = run('image-clf');
  for (const [model, train, test] of [['s2i-c', 0.8, 0.7], ['s2i-a', 0.6, 0.5], ['s2i-n', 0.2, 0.1]] as const) {
    const id = run(model, { evaluatorRunId: gamma });
    if (model === 's2i-c') s2ic = id;
    for (const epoch of [5, 10]) {
      addEvaluations(cat, id, (['train', 'test'] as const).map((split) => ({ epoch, kind: 'gamma_accuracy', split, instrument: '', value: (split === 'train' ? train : test) * (epoch / 10), n: 20, evaluatorRunId: gamma })));
    }
  }
  session('pilot — complete', true, demo);
  session('newer, still blind', false, demo);
});

afterAll(async () => {
  cat?.close();
  await env?.close();
});

async function shots(name: string): Promise<void> {
  for (const [w, h] of [[1440, 900], [1280, 720]] as const) {
    await page.setViewportSize({ width: w, height: h });
    await page.screenshot({ path: join(SCREENSHOT_DIR, `${name}-${w}.png`) });
  }
  await page.setViewportSize({ width: 1440, height: 900 });
}

describe('tables for the paper', () => {
  it('Fig. 8 opens on the newest complete session without an error', async () => {
    await page.goto(`${studio.url}#/tables`);
    await page.click('[data-table="fig8"]');
    await page.waitForFunction(() => /Fig\. 8/.test(document.querySelector('.table-view h2')?.textContent ?? '') || document.querySelector('[data-testid="table-error"]'));
    const error = page.locator('[data-testid="table-error"]');
    expect(await error.count(), (await error.count()) ? ((await error.textContent()) ?? "") : "").toBe(0);
    expect(await page.textContent('.table-view')).toContain('pilot — complete');
    await page.waitForSelector('[data-testid="table-figure"]');
    expect(await page.locator('[data-testid="result-table"] [data-best]').count()).toBeGreaterThan(0);
    await shots('tables-fig8');
  });

  it('Table 5 bolds the best value per row and links a cell to its run at its epoch', async () => {
    await page.click('[data-table="table5"]');
    await page.waitForFunction(() => document.querySelector('[data-testid="result-table"]')?.textContent?.includes('Training set'));
    const best = page.locator('[data-testid="result-table"] a[data-best]');
    expect(await best.count()).toBe(2);
    expect(await best.first().textContent()).toBe('80.00%');
    expect(await best.first().evaluate((e) => getComputedStyle(e).fontWeight)).toBe('700');
    await shots('tables-table5');
    const href = await best.first().getAttribute('href');
    expect(href).toContain(`run=${s2ic}`);
    expect(href).toContain('epoch=10');
    await best.first().click();
    await page.waitForSelector('[data-testid="evaluations-epoch"]');
    expect(await page.textContent('[data-testid="evaluations-epoch"]')).toBe('Evaluations at epoch 10');
    await page.goto(`${studio.url}#/runs?run=${s2ic}&epoch=5`);
    await page.waitForFunction(() => document.querySelector('[data-testid="evaluations-epoch"]')?.textContent === 'Evaluations at epoch 5');
  });

  it('Table 3 offers only INIS datasets and says so when there is none', async () => {
    await page.goto(`${studio.url}#/tables`);
    await page.click('[data-table="table3"]');
    await page.waitForSelector('[data-testid="table-note"]');
    expect(await page.textContent('[data-testid="table-note"]')).toMatch(/INIS/);
    expect(await page.locator('select[aria-label="Dataset"] option').count()).toBe(1);
  });
});
