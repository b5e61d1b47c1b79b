// Bulk curation (issue 18): one edit over selected pairs is one batch that one undo reverts, pairs it
// does not change stay out of it, a pair of another dataset refuses the whole edit; History sentences.
import { beforeAll, describe, expect, it } from 'vitest';
import type { Catalog } from '../catalog/catalog';
import { datasetCounts } from '../catalog/datasetsRepo';
import { getPair, listPairs } from '../catalog/pairsRepo';
import { AvError } from '../errors';
import { datasetHistory, editPair, editPairs, pairHistory, undoDataset } from './curation';
import { describeEdit } from './editText';
import { makeUrmpFixture, tempCatalog } from './testFixtures';
import { importUrmp } from './urmpImport';

let cat: Catalog;
let datasetId: number;
let other: number;
beforeAll(async () => {
  cat = tempCatalog();
  const fx = makeUrmpFixture();
  datasetId = (await importUrmp(cat, fx.root, { name: 'u' })).datasetId;
  other = (await importUrmp(cat, fx.root, { name: 'v' })).datasetId;
});

describe('bulk curation', () => {
  it('rejects five pairs as one batch and one undo brings all five back', () => {
    const ids = listPairs(cat, { datasetId, limit: 6 }).items.map((p) => p.id);
    editPair(cat, ids[0], { action: 'reject' }); // already rejected: stays out of the batch
    const before = datasetCounts(cat, datasetId);
    const r = editPairs(cat, datasetId, ids.slice(0, 6), { action: 'reject' });
    expect(r.changed).toBe(5);
    expect(r.pairs.every((p) => p.state === 'rejected')).toBe(true);
    expect(new Set(datasetHistory(cat, datasetId, 5).map((e) => e.batch))).toEqual(new Set([r.batch]));
    const undone = undoDataset(cat, datasetId);
    expect(undone.map((u) => u.pairId).sort((a, b) => a - b)).toEqual(ids.slice(1, 6));
    expect(ids.slice(1, 6).map((id) => getPair(cat, id)?.state)).toEqual(['pending', 'pending', 'pending', 'pending', 'pending']);
    expect(getPair(cat, ids[0])?.state).toBe('rejected');
    expect(datasetCounts(cat, datasetId)).toEqual(before);
    // the next undo is the single reject made before the batch
    expect(undoDataset(cat, datasetId).map((u) => u.pairId)).toEqual([ids[0]]);
  });

  it('moves pairs to the other split and relabels them; refuses a pair of another dataset, changing nothing', () => {
    const pairs = listPairs(cat, { datasetId, split: 'train', limit: 3 }).items;
    const moved = editPairs(cat, datasetId, pairs.map((p) => p.id), { action: 'split', split: 'test' });
    expect(moved.pairs.map((p) => p.split)).toEqual(['test', 'test', 'test']);
    const h = pairHistory(cat, pairs[0].id).at(-1)!;
    expect(describeEdit(h)).toBe('moved from the train split to test');
    const relabelled = editPairs(cat, datasetId, pairs.map((p) => p.id), { action: 'relabel', instrument: 'va' });
    expect(relabelled.changed).toBe(pairs.filter((p) => p.instrument !== 'va').length);
    const stateBefore = getPair(cat, pairs[0].id)?.state;
    const foreign = listPairs(cat, { datasetId: other, limit: 1 }).items[0];
    let err: unknown = null;
    try {
      editPairs(cat, datasetId, [pairs[0].id, foreign.id], { action: 'reject' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(AvError);
    expect((err as AvError).message).toMatch(`pair ${foreign.id} is not in dataset "u"`);
    expect(getPair(cat, pairs[0].id)?.state).toBe(stateBefore);
    expect(pairHistory(cat, pairs[0].id).filter((e) => e.field === 'state' && !e.undone)).toHaveLength(0);
    expect(() => editPairs(cat, datasetId, [], { action: 'accept' })).toThrow(/at least one/);
  });

  it('History reads as sentences', () => {
    const p = listPairs(cat, { datasetId, limit: 1 }).items[0];
    editPair(cat, p.id, { action: 'move', startS: 1.06 });
    editPair(cat, p.id, { action: 'accept' });
    const [move, accept] = pairHistory(cat, p.id).slice(-2);
    expect(describeEdit(move)).toMatch(new RegExp(`^moved the window ${p.startS.toFixed(2)} → 1\\.06 s`));
    expect(describeEdit(accept)).toMatch(/^accepted the pair \(was (pending|rejected)\)$/);
    expect(describeEdit({ field: 'instrument', oldValue: { instrument: 'vc' }, newValue: { instrument: 'va' }, batch: null })).toBe('relabelled vc → va');
    expect(describeEdit({ field: 'crop', oldValue: { crop: null }, newValue: { crop: '{"x":1,"y":2,"w":30,"h":40}' }, batch: 'b' })).toBe("set the track's crop box to 30×40 at (1, 2), for every pair of the track");
  });
});
