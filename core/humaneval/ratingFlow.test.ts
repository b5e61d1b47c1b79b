// Issue 18 rating details: raters see the public title (never the session name, default "Image
// rating"), and results report each rater's time per item from the scoring view's timings.
import { describe, expect, it } from 'vitest';
import { raterState, saveScore } from './rater';
import { sessionResults } from './results';
import { createSession } from './sessions';
import { fakeStudio } from './testFixtures';

describe('rating flow', () => {
  it('shows the public title and reports time per item per rater', async () => {
    const f = await fakeStudio();
    const s = await createSession(f.ctx, { name: 'tiny S2I-C/N/A check', title: 'Rate the pictures', dataset: f.datasetId, sets: 1, instruments: ['cl'], raters: ['ann', 'bo'], seed: 1 }, { generate: f.generate });
    const [ann, bo] = s.raters;
    const state = raterState(f.ctx.catalog, ann.token);
    expect(state.sessionName).toBe('Rate the pictures');
    expect(JSON.stringify(state)).not.toContain('tiny S2I');
    const untitled = await createSession(f.ctx, { name: 'internal', dataset: f.datasetId, sets: 1, instruments: ['cl'], raters: ['x'], seed: 2 }, { generate: f.generate });
    expect(raterState(f.ctx.catalog, untitled.raters[0].token).sessionName).toBe('Image rating');
    // ann: 1, 2, 4, 8 s (median 3 s); bo: untimed
    state.items.forEach((it, k) => saveScore(f.ctx.catalog, { token: ann.token, itemId: it.itemId, score: 2, ms: 1000 * 2 ** k }));
    for (const it of raterState(f.ctx.catalog, bo.token).items) saveScore(f.ctx.catalog, { token: bo.token, itemId: it.itemId, score: 1 });
    const res = sessionResults(f.ctx.catalog, s.id);
    expect(res.raterTimes).toEqual([
      { rater: 'ann', scored: 4, timed: 4, medianMs: 3000, meanMs: 3750, totalMs: 15000 },
      { rater: 'bo', scored: 4, timed: 0, medianMs: null, meanMs: null, totalMs: 0 },
    ]);
    f.ctx.close();
  });
});
