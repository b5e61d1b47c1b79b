// Issue 18 rating details: raters see the public title (never the session name, default "Image
// rating"), and results report each rater's time per item from the scoring view's timings.
import { describe, expect, it } from 'vitest';
import sharp from 'sharp';
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

  it('shows practice images first (not counted) and reports failed attention checks per rater', async () => {
    const f = await fakeStudio();
    const s = await createSession(f.ctx, { name: 'checks', dataset: f.datasetId, sets: 2, instruments: ['cl', 'fl'], raters: ['ann', 'bo'], seed: 3, practice: 1, attentionChecks: true }, { generate: f.generate });
    // 2 instruments × 2 sets × (3 runs + GT) = 16, + 1 practice + 2 checks
    expect(s.itemCount).toBe(19);
    for (const r of s.raters) {
      const st = raterState(f.ctx.catalog, r.token);
      expect(st.items[0].practice).toBe(true);
      expect(st.items[0].setNo).toBe(1);
      expect(st.items.filter((i) => i.practice)).toHaveLength(1);
      expect(st.setCount).toBe(5);
      const byHash = new Map<string, number>();
      for (const it of st.items) {
        // ann rates everything 3 (fails the wrong-image check); bo rates repeated images 0 then 3 (fails the repeat check) and the rest 1
        let score = r.name === 'ann' ? 3 : 1;
        if (r.name === 'bo' && byHash.has(it.hash)) score = 3;
        else if (r.name === 'bo' && st.items.filter((x) => x.hash === it.hash).length > 1) score = 0;
        byHash.set(it.hash, score);
        saveScore(f.ctx.catalog, { token: r.token, itemId: it.itemId, score });
      }
    }
    const res = sessionResults(f.ctx.catalog, s.id);
    expect(res.complete).toBe(true);
    // practice and checks stay out of Fig. 8: 16 counted images per rater
    expect(res.scoreCount).toBe(32);
    expect(res.methods.map((m) => m.method)).toEqual(['s2i-c', 's2i-n', 's2i-a', 'ground-truth']);
    const [ann, bo] = res.attention!;
    expect(ann).toMatchObject({ rater: 'ann', checks: 2, passed: 1, failed: 1, pending: 0 });
    expect(ann.failures[0]).toMatch(/scored 3 an image that is not a (clarinet|flute)/);
    // (the wrong image is another instrument's ground truth, which bo also sees twice: he may fail both)
    expect(bo).toMatchObject({ rater: 'bo', checks: 2, pending: 0 });
    expect(bo.failures.some((x) => /gave the same image (0 and 3|3 and 0)/.test(x))).toBe(true);
    f.ctx.close();
  });

  it('shows the ground truth at the generated images\' resolution unless the experimenter opts out, then warns', async () => {
    const f = await fakeStudio();
    // the fake runs use the tiny preset: 16×16 images shown at 64×64
    const gtOf = (sid: number) => (f.ctx.catalog.db.prepare("SELECT blob_hash AS h FROM humaneval_items WHERE session_id = ? AND method = 'ground-truth' LIMIT 1").get(sid) as { h: string }).h;
    const matched = await createSession(f.ctx, { dataset: f.datasetId, sets: 1, instruments: ['cl'], raters: ['a'], seed: 4 }, { generate: f.generate });
    expect(matched.warnings).toBeUndefined();
    const img = await sharp(f.ctx.blobs.read(gtOf(matched.id))).raw().toBuffer({ resolveWithObject: true });
    expect([img.info.width, img.info.height]).toEqual([64, 64]);
    // blocky like the generated images: every 4×4 block is one colour
    const px = (x: number, y: number) => img.data.subarray((y * 64 + x) * img.info.channels, (y * 64 + x) * img.info.channels + 3).join(',');
    for (let y = 0; y < 64; y += 7) for (let x = 0; x < 64; x += 5) expect(px(x, y)).toBe(px(x - (x % 4), y - (y % 4)));
    const sharpGt = await createSession(f.ctx, { dataset: f.datasetId, sets: 1, instruments: ['cl'], raters: ['a'], seed: 4, matchGroundTruth: false }, { generate: f.generate });
    expect(gtOf(sharpGt.id)).not.toBe(gtOf(matched.id));
    expect(sharpGt.warnings?.[0]).toMatch(/ground truth is shown at 64×64 while the runs generate 16×16 images/);
    f.ctx.close();
  });
});
