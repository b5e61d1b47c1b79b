import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStudio, type StudioContext } from '../studio/context';
import { dispatch } from './dispatch';
import { handlers } from './handlers';
import { featureTasks } from '../studio/featureTasks';

let dir: string;
let ctx: StudioContext;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'avstudio-api-'));
  ctx = openStudio(dir);
});
afterAll(() => {
  ctx.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('API dispatch validation', () => {
  const bad: Array<[string, unknown, RegExp]> = [
    ['nope.method', {}, /unknown API method/],
    ['pairs.list', { datasetId: 'x' }, /datasetId/],
    ['pairs.list', { datasetId: 1, limit: 100000 }, /limit/],
    ['pairs.list', { datasetId: 1, split: 'validation' }, /split/],
    ['pairs.list', { datasetId: -3 }, /datasetId/],
    ['pairs.list', { datasetId: 1, extra: true }, /extra|Unrecognized/i],
    ['pairs.get', null, /id/],
    ['pairs.get', 'a string', /input/],
    ['datasets.createDemo', { name: '' }, /name/],
    ['studio.status', [1, 2], /input/],
  ];
  for (const [method, input, message] of bad) {
    it(`rejects ${method} with ${JSON.stringify(input)}`, async () => {
      const r = await dispatch(handlers, ctx, method, input);
      expect(r.ok).toBe(false);
      if (!r.ok) {
        expect(r.error.kind).toBe('bad_request');
        expect(r.error.message).toMatch(message);
      }
    });
  }

  it('answers a valid call and reports missing things as not_found', async () => {
    const status = await dispatch(handlers, ctx, 'studio.status', {});
    expect(status.ok).toBe(true);
    const missing = await dispatch(handlers, ctx, 'pairs.list', { datasetId: 999 });
    expect(missing).toMatchObject({ ok: false, error: { kind: 'not_found' } });
  });

  it('creates the demo dataset once, with pairs split by track', async () => {
    const r = await dispatch(handlers, ctx, 'datasets.createDemo', {});
    expect(r.ok).toBe(true);
    const d = (r as { result: { id: number; pairCount: number; counts: Array<{ train: number; test: number }> } }).result;
    expect(d.pairCount).toBe(208);
    for (const c of d.counts) expect(c).toMatchObject({ train: 26, test: 26 });
    const again = await dispatch(handlers, ctx, 'datasets.createDemo', {});
    expect(again).toMatchObject({ ok: false, error: { kind: 'conflict' } });
    const page = await dispatch(handlers, ctx, 'pairs.list', { datasetId: d.id, split: 'test', limit: 5 });
    expect(page).toMatchObject({ ok: true, result: { total: 104 } });
    // as after an import, the demo's features are computed in the background
    expect(featureTasks(ctx).task(d.id)?.state).toBe('running');
    expect(await featureTasks(ctx).wait(d.id)).toMatchObject({ state: 'done', failed: 0, done: 208, total: 208 });
  });
});
