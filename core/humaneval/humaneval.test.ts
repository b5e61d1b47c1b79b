import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rmSync } from 'node:fs';
import sharp from 'sharp';
import { callOrThrow, dispatch } from '../api/dispatch';
import { handlers } from '../api/handlers';
import { addRater, createSession, DEFAULT_RUBRIC, getSession, GROUND_TRUTH, raterState, saveScore, sessionResults, setSessionStatus } from '.';
import { planRun } from '../runs/planRun';
import { fakeStudio, type FakeStudio } from './testFixtures';

let f: FakeStudio;
beforeAll(async () => {
  f = await fakeStudio();
}, 60_000);
afterAll(() => {
  f.ctx.close();
  rmSync(f.ctx.home.root, { recursive: true, force: true });
});

const itemsOf = (sessionId: number) =>
  f.ctx.catalog.db.prepare('SELECT id, set_index AS setIndex, instrument, method, run_id AS runId, pair_id AS pairId, blob_hash AS hash FROM humaneval_items WHERE session_id = ? ORDER BY id').all(sessionId) as Array<{
    id: number;
    setIndex: number;
    instrument: string;
    method: string;
    runId: number | null;
    pairId: number;
    hash: string;
  }>;

describe('session creation', () => {
  it('defaults to the latest finished S2I-C/N/A runs, N sets per instrument, one image per method + ground truth', async () => {
    const s = await createSession(f.ctx, { sets: 3, raters: ['alice', 'bob'], seed: 7 }, { generate: f.generate });
    expect(s.methods.map((m) => m.method)).toEqual(['s2i-c', 's2i-n', 's2i-a', GROUND_TRUTH]);
    expect(s.methods.map((m) => m.runId)).toEqual([f.runs.c, f.runs.n, f.runs.a, null]);
    expect(s.instruments).toEqual(['cl', 'fl', 'tpt', 'vn']);
    expect(s.rubric).toBe(DEFAULT_RUBRIC);
    expect(s.itemCount).toBe(4 * 3 * 4);
    expect(s.raters.map((r) => [r.name, r.scored, r.total])).toEqual([['alice', 0, 48], ['bob', 0, 48]]);
    expect(s.complete).toBe(false);
    const items = itemsOf(s.id);
    for (const inst of s.instruments) {
      for (const m of s.methods) expect(items.filter((i) => i.instrument === inst && i.method === m.method)).toHaveLength(3);
      // each set: one image per method, all from one test pair of that instrument
      for (let k = 0; k < 3; k++) {
        const set = items.filter((i) => i.instrument === inst && i.setIndex === k);
        expect(set.map((i) => i.method).sort()).toEqual(['ground-truth', 's2i-a', 's2i-c', 's2i-n']);
        expect(new Set(set.map((i) => i.pairId)).size).toBe(1);
        const pair = f.ctx.catalog.db.prepare('SELECT instrument, split FROM pairs WHERE id = ?').get(set[0].pairId);
        expect(pair).toEqual({ instrument: inst, split: 'test' });
      }
    }
    // every image is a stored 64×64 PNG
    for (const it of items.filter((i) => i.method === GROUND_TRUTH).slice(0, 2)) {
      const meta = await sharp(f.ctx.blobs.read(it.hash)).metadata();
      expect([meta.format, meta.width, meta.height]).toEqual(['png', 64, 64]);
    }
    // item ids do not follow the method order within a set
    const firstMethods = s.instruments.map((inst) => items.find((i) => i.instrument === inst && i.setIndex === 0)!.method);
    expect(new Set(items.slice(0, 12).map((i) => i.method)).size).toBeGreaterThan(1);
    expect(firstMethods).toHaveLength(4);
  });

  it('is reproducible from its seed (pairs, generation seeds, images) and differs for another seed', async () => {
    const a = await createSession(f.ctx, { sets: 2, seed: 11, runIds: [f.runs.c, f.runs.a] }, { generate: f.generate });
    const b = await createSession(f.ctx, { sets: 2, seed: 11, runIds: [f.runs.c, f.runs.a] }, { generate: f.generate });
    const c = await createSession(f.ctx, { sets: 2, seed: 12, runIds: [f.runs.c, f.runs.a] }, { generate: f.generate });
    const key = (id: number) => itemsOf(id).map((i) => `${i.instrument}/${i.setIndex}/${i.method}/${i.pairId}/${i.hash}`);
    expect(key(a.id)).toEqual(key(b.id));
    expect(key(a.id)).not.toEqual(key(c.id));
    const cfg = JSON.parse((f.ctx.catalog.db.prepare('SELECT config FROM humaneval_sessions WHERE id = ?').get(a.id) as { config: string }).config);
    expect(cfg.sets).toHaveLength(8);
    expect(cfg.sets[0]).toEqual({ instrument: 'cl', setIndex: 0, pairId: expect.any(Number), seed: expect.any(Number) });
    expect(a.methods.map((m) => m.method)).toEqual(['s2i-c', 's2i-a', GROUND_TRUTH]);
  });

  it('refuses non-S2I runs, untrained runs, unknown instruments; labels two runs of one model apart', async () => {
    const enc = f.ctx.catalog.db.prepare("SELECT id FROM runs WHERE model = 'sound-clf' LIMIT 1").get() as { id: number };
    await expect(createSession(f.ctx, { runIds: [enc.id] }, { generate: f.generate })).rejects.toMatchObject({ kind: 'bad_request' });
    await expect(createSession(f.ctx, { runIds: [f.runs.c], instruments: ['xx'] }, { generate: f.generate })).rejects.toMatchObject({ kind: 'bad_request' });
    await expect(createSession(f.ctx, { runIds: [f.runs.c], sets: 0 }, { generate: f.generate })).rejects.toMatchObject({ kind: 'bad_request', message: expect.stringMatching(/^invalid session: sets/) });
    const untrained = planRun(f.ctx.catalog, { model: 's2i-c', dataset: f.datasetId, preset: 'tiny', epochs: 1 }).targetRunId;
    await expect(createSession(f.ctx, { runIds: [untrained] }, { generate: f.generate })).rejects.toMatchObject({ kind: 'conflict' });
    f.ctx.catalog.db.prepare('DELETE FROM runs WHERE id = ?').run(untrained);
    const s = await createSession(f.ctx, { runIds: [f.runs.c, f.runs.n], sets: 1, instruments: ['vn'], rubric: 'my rubric' }, { generate: f.generate });
    expect(s.rubric).toBe('my rubric');
    expect(s.itemCount).toBe(3);
  });
});

describe('raters: presentation order', () => {
  it('is seeded per rater, stored, stable across reads, and keeps sets together', async () => {
    const s = await createSession(f.ctx, { sets: 3, raters: ['ann', 'ben'], seed: 21 }, { generate: f.generate });
    const [ann, ben] = s.raters;
    const a1 = raterState(f.ctx.catalog, ann.token);
    const a2 = raterState(f.ctx.catalog, ann.token);
    const b1 = raterState(f.ctx.catalog, ben.token);
    expect(a1.items).toEqual(a2.items);
    expect(a1.items.map((i) => i.position)).toEqual([...Array(48).keys()]);
    expect(a1.items.map((i) => i.itemId)).not.toEqual(b1.items.map((i) => i.itemId));
    expect(new Set(a1.items.map((i) => i.itemId)).size).toBe(48);
    expect(a1.setCount).toBe(12);
    // each set's four images are consecutive and share an instrument
    for (let set = 1; set <= 12; set++) {
      const idx = a1.items.map((it, k) => (it.setNo === set ? k : -1)).filter((k) => k >= 0);
      expect(idx).toHaveLength(4);
      expect(idx[3] - idx[0]).toBe(3);
      expect(new Set(idx.map((k) => a1.items[k].instrument)).size).toBe(1);
    }
    // a rater added later with the same name in another session with the same seed gets the same order
    const s2 = await createSession(f.ctx, { sets: 3, raters: ['ann'], seed: 21 }, { generate: f.generate });
    const again = raterState(f.ctx.catalog, s2.raters[0].token);
    const ids1 = itemsOf(s.id).map((i) => i.id);
    const ids2 = itemsOf(s2.id).map((i) => i.id);
    expect(again.items.map((i) => ids2.indexOf(i.itemId))).toEqual(a1.items.map((i) => ids1.indexOf(i.itemId)));
    // addRater is idempotent by name
    const carl = addRater(f.ctx.catalog, s.id, 'carl');
    expect(addRater(f.ctx.catalog, s.id, ' carl ').token).toBe(carl.token);
    expect(getSession(f.ctx.catalog, s.id).raters).toHaveLength(3);
  });

  it('never tells a rater the method, run or pair', async () => {
    const s = await createSession(f.ctx, { sets: 1, raters: ['dee'], seed: 5 }, { generate: f.generate });
    const state = await callOrThrow(handlers, f.ctx, 'humaneval.rater.state', { token: s.raters[0].token });
    const text = JSON.stringify(state);
    for (const word of ['s2i', 'ground', 'truth', 'method', 'runId', 'pairId', 'model']) expect(text.toLowerCase()).not.toContain(word.toLowerCase());
    expect(Object.keys(state.items[0]).sort()).toEqual(['hash', 'instrument', 'instrumentName', 'itemId', 'position', 'score', 'setNo']);
    expect(state.items.find((i) => i.instrument === 'tpt')?.instrumentName).toBe('trumpet');
  });
});

describe('scores', () => {
  it('saves at once, overwrites idempotently per (rater, item), validates 0–3, refuses other sessions', async () => {
    const s = await createSession(f.ctx, { sets: 1, raters: ['eve', 'fay'], seed: 9, instruments: ['cl'] }, { generate: f.generate });
    const other = await createSession(f.ctx, { sets: 1, raters: ['gus'], seed: 9, instruments: ['fl'] }, { generate: f.generate });
    const eve = s.raters[0].token;
    const items = raterState(f.ctx.catalog, eve).items;
    expect(saveScore(f.ctx.catalog, { token: eve, itemId: items[0].itemId, score: 2, ms: 1500 })).toEqual({ itemId: items[0].itemId, score: 2, scored: 1, total: 4 });
    expect(saveScore(f.ctx.catalog, { token: eve, itemId: items[0].itemId, score: 3 })).toMatchObject({ scored: 1 });
    const row = f.ctx.catalog.db.prepare('SELECT score, position, ms FROM humaneval_scores WHERE item_id = ?').get(items[0].itemId);
    expect(row).toEqual({ score: 3, position: 0, ms: 1500 });
    // validation through the API (zod) and in core
    for (const bad of [4, -1, 1.5]) {
      const r = await dispatch(handlers, f.ctx, 'humaneval.rater.score', { token: eve, itemId: items[1].itemId, score: bad });
      expect(r).toMatchObject({ ok: false, error: { kind: 'bad_request' } });
    }
    expect(() => saveScore(f.ctx.catalog, { token: eve, itemId: items[1].itemId, score: 7 })).toThrow(/0–3/);
    // an item of another session
    const foreign = raterState(f.ctx.catalog, other.raters[0].token).items[0].itemId;
    expect(() => saveScore(f.ctx.catalog, { token: eve, itemId: foreign, score: 1 })).toThrow(/not one of this rater's items/);
    expect(() => saveScore(f.ctx.catalog, { token: 'nope-nope-nope', itemId: foreign, score: 1 })).toThrow(/no rater/);
    expect(raterState(f.ctx.catalog, eve).items.map((i) => i.score)).toEqual([3, null, null, null]);
    // closed sessions freeze scores
    setSessionStatus(f.ctx.catalog, s.id, 'closed');
    expect(() => saveScore(f.ctx.catalog, { token: eve, itemId: items[1].itemId, score: 1 })).toThrow(/closed/);
    setSessionStatus(f.ctx.catalog, s.id, 'open');
  });

  it('keeps results blind until complete, then reports per method and instrument', async () => {
    const s = await createSession(f.ctx, { sets: 2, raters: ['r1', 'r2'], seed: 31, instruments: ['cl', 'vn'] }, { generate: f.generate });
    await expect(callOrThrow(handlers, f.ctx, 'humaneval.results', { id: s.id })).rejects.toMatchObject({ kind: 'conflict' });
    const methodOf = new Map(itemsOf(s.id).map((i) => [i.id, i.method]));
    const want: Record<string, number> = { 's2i-c': 2, 's2i-n': 0, 's2i-a': 1, 'ground-truth': 3 };
    for (const r of s.raters) {
      for (const it of raterState(f.ctx.catalog, r.token).items) saveScore(f.ctx.catalog, { token: r.token, itemId: it.itemId, score: want[methodOf.get(it.itemId)!] });
    }
    expect(getSession(f.ctx.catalog, s.id).complete).toBe(true);
    const res = sessionResults(f.ctx.catalog, s.id);
    expect(res.raterCount).toBe(2);
    expect(res.scoreCount).toBe(32);
    const c = res.methods.find((m) => m.method === 's2i-c')!;
    expect(c).toMatchObject({ n: 8, mean: 2, std: 0, histogram: [0, 0, 8, 0] });
    expect(c.byInstrument).toMatchObject([{ instrument: 'cl', n: 4, mean: 2, std: 0, histogram: [0, 0, 4, 0] }, { instrument: 'vn', n: 4, mean: 2 }]);
    expect(res.methods.find((m) => m.method === 'ground-truth')!.histogram).toEqual([0, 0, 0, 8]);
    expect(res.alpha).toBe(1);
    // forced results before completion
    const t = await createSession(f.ctx, { sets: 1, raters: ['x'], seed: 1, instruments: ['cl'] }, { generate: f.generate });
    const forced = sessionResults(f.ctx.catalog, t.id, { force: true });
    expect(forced.complete).toBe(false);
    expect(forced.methods[0]).toMatchObject({ n: 0, mean: null, histogram: [0, 0, 0, 0] });
  });
});
