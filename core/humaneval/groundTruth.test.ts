// Issue 19, item 16: on a dataset whose pairs share pictures (the demo dataset reuses 4 pictures per
// instrument across its windows) a session must not show a rater the same ground truth twice.
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSession } from './sessions';
import { fakeStudio, type FakeStudio } from './testFixtures';

let f: FakeStudio;
beforeAll(async () => {
  f = await fakeStudio();
}, 60_000);
afterAll(() => {
  f.ctx.close();
  rmSync(f.ctx.home.root, { recursive: true, force: true });
});

describe('human-eval ground truth', () => {
  it('has no repeated picture per instrument while distinct pictures remain', async () => {
    const cat = f.ctx.catalog;
    const distinct = cat.db
      .prepare("SELECT instrument, COUNT(DISTINCT image_source_id) AS n, COUNT(*) AS pairs FROM pairs WHERE dataset_id = ? AND split = 'test' GROUP BY instrument")
      .all(f.datasetId) as Array<{ instrument: string; n: number; pairs: number }>;
    const sets = Math.min(...distinct.map((d) => d.n));
    expect(sets).toBeGreaterThan(1);
    expect(distinct.every((d) => d.pairs > d.n)).toBe(true); // pictures really are shared
    for (const seed of [1, 2, 3, 4, 5]) {
      const s = await createSession(f.ctx, { sets, raters: ['ann'], seed, runIds: [f.runs.c] }, { generate: f.generate });
      const gt = cat.db.prepare("SELECT instrument, blob_hash AS hash FROM humaneval_items WHERE session_id = ? AND method = 'ground-truth'").all(s.id) as Array<{ instrument: string; hash: string }>;
      for (const { instrument } of distinct) {
        const hashes = gt.filter((g) => g.instrument === instrument).map((g) => g.hash);
        expect(hashes, `seed ${seed} ${instrument}`).toHaveLength(sets);
        expect(new Set(hashes).size, `seed ${seed} ${instrument}`).toBe(sets);
      }
    }
  });
});
