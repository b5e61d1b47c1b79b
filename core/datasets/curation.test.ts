import { beforeAll, describe, expect, it } from 'vitest';
import type { Catalog } from '../catalog/catalog';
import { datasetCounts } from '../catalog/datasetsRepo';
import { getPair, listPairs } from '../catalog/pairsRepo';
import { AvError } from '../errors';
import { datasetHistory, editPair, pairHistory, undoDataset, undoPair } from './curation';
import { createSnapshot, snapshotPairs } from './snapshots';
import { makeUrmpFixture, tempCatalog } from './testFixtures';
import { importUrmp } from './urmpImport';

let cat: Catalog;
let datasetId: number;
beforeAll(async () => {
  cat = tempCatalog();
  datasetId = (await importUrmp(cat, makeUrmpFixture().root, { name: 'u' })).datasetId;
});

const kind = (fn: () => unknown) => {
  try {
    fn();
  } catch (e) {
    return (e as AvError).kind;
  }
  return 'none';
};

describe('curation', () => {
  it('records who made an edit as the door that opened the studio names it', () => {
    const p = listPairs(cat, { datasetId, limit: 1, offset: 3 }).items[0];
    const before = cat.actor;
    cat.actor = 'ana (CLI)';
    try {
      editPair(cat, p.id, { action: 'accept' });
    } finally {
      cat.actor = before;
    }
    editPair(cat, p.id, { action: 'reject' });
    const h = pairHistory(cat, p.id);
    expect(h.slice(-2).map((e) => e.actor)).toEqual(['ana (CLI)', before]);
    undoPair(cat, p.id);
    undoPair(cat, p.id);
  });

  it('records accept / reject / relabel / move with old and new values, and undoes them in order', () => {
    const p = listPairs(cat, { datasetId, instrument: 'vc', limit: 1 }).items[0];
    expect(editPair(cat, p.id, { action: 'accept' }).state).toBe('accepted');
    expect(editPair(cat, p.id, { action: 'relabel', instrument: 'va' }).instrument).toBe('va');
    const moved = editPair(cat, p.id, { action: 'move', startS: 1.23 });
    expect([moved.startS, moved.frameS]).toEqual([1.23, 1.23]);
    expect(editPair(cat, p.id, { action: 'reject' }).state).toBe('rejected');
    const h = pairHistory(cat, p.id);
    expect(h.map((e) => e.field)).toEqual(['state', 'instrument', 'window', 'state']);
    expect(h[2].oldValue).toEqual({ start_s: p.startS, frame_s: p.frameS });
    expect(h[2].newValue).toEqual({ start_s: 1.23, frame_s: 1.23 });
    // who made each edit: this process's OS user (tempCatalog opens no door, so the plain user)
    expect(h.every((e) => e.actor === cat.actor && e.actor.length > 0)).toBe(true);

    undoPair(cat, p.id);
    expect(getPair(cat, p.id)!.state).toBe('accepted');
    undoPair(cat, p.id);
    expect(getPair(cat, p.id)!.startS).toBe(p.startS);
    undoPair(cat, p.id);
    undoPair(cat, p.id);
    expect(getPair(cat, p.id)).toEqual(p);
    expect(kind(() => undoPair(cat, p.id))).toBe('not_found');
    expect(pairHistory(cat, p.id).every((e) => e.undone)).toBe(true);
  });

  it('refuses windows past the track or the video, and bad labels', () => {
    const p = listPairs(cat, { datasetId, instrument: 'vc', limit: 1 }).items[0];
    expect(kind(() => editPair(cat, p.id, { action: 'move', startS: 2.9 }))).toBe('out_of_range');
    expect(kind(() => editPair(cat, p.id, { action: 'move', startS: -1 }))).toBe('out_of_range');
    expect(kind(() => editPair(cat, p.id, { action: 'relabel', instrument: "x'; DROP" }))).toBe('bad_request');
    expect(pairHistory(cat, p.id).filter((e) => !e.undone)).toEqual([]);
  });

  it("sets a track's crop box on every pair of the track as one undoable batch", () => {
    const p = listPairs(cat, { datasetId, instrument: 'vn', split: 'train', limit: 1 }).items[0];
    const track = listPairs(cat, { datasetId, limit: 1000 }).items.filter((q) => q.groupKey === p.groupKey);
    expect(track.length).toBe(20);
    expect(kind(() => editPair(cat, p.id, { action: 'crop', crop: { x: 100, y: 0, w: 100, h: 100 } }))).toBe('out_of_range');
    editPair(cat, p.id, { action: 'crop', crop: { x: 10, y: 5, w: 80, h: 80 } });
    expect(track.every((q) => JSON.stringify(getPair(cat, q.id)!.crop) === '{"x":10,"y":5,"w":80,"h":80}')).toBe(true);
    const other = listPairs(cat, { datasetId, instrument: 'vc', limit: 1 }).items[0];
    expect(other.crop).toBeNull();
    // undo from another pair of the same track undoes the whole batch
    undoPair(cat, track[5].id);
    expect(track.every((q) => getPair(cat, q.id)!.crop === null)).toBe(true);
  });

  it('re-pairs a picture with another chunk and undoes the latest edit of the dataset', () => {
    const [a, b] = listPairs(cat, { datasetId, instrument: 'fl', limit: 2 }).items;
    const vc = listPairs(cat, { datasetId, instrument: 'vc', limit: 5 }).items[4];
    const r = editPair(cat, a.id, { action: 'repair', chunkFromPairId: vc.id });
    expect([r.audio.id, r.startS, r.video?.id, r.frameS]).toEqual([vc.audio.id, vc.startS, a.video?.id, a.frameS]);
    editPair(cat, b.id, { action: 'reject' });
    expect(datasetHistory(cat, datasetId, 2).map((e) => e.field)).toEqual(['state', 'chunk']);
    undoDataset(cat, datasetId);
    expect(getPair(cat, b.id)!.state).toBe('pending');
    undoDataset(cat, datasetId);
    expect(getPair(cat, a.id)).toEqual(a);
  });

  it('snapshots freeze the non-rejected pairs; later curation never changes them', () => {
    const before = datasetCounts(cat, datasetId).reduce((n, c) => n + c.train + c.test, 0);
    const victim = listPairs(cat, { datasetId, instrument: 'vn', limit: 1 }).items[0];
    editPair(cat, victim.id, { action: 'reject' });
    const s = createSnapshot(cat, datasetId);
    expect(s.pairCount).toBe(before - 1);
    expect(s.contentHash).toMatch(/^[0-9a-f]{64}$/);
    const frozen = snapshotPairs(cat, s.id);
    expect(frozen.some((p) => p.pairId === victim.id)).toBe(false);

    const target = frozen[0];
    editPair(cat, target.pairId, { action: 'relabel', instrument: 'tba' });
    editPair(cat, target.pairId, { action: 'move', startS: 0.05 });
    undoPair(cat, victim.id);
    expect(snapshotPairs(cat, s.id)).toEqual(frozen);
    const s2 = createSnapshot(cat, datasetId);
    expect(s2.pairCount).toBe(before);
    expect(s2.contentHash).not.toBe(s.contentHash);
    // a snapshot of an unchanged dataset has the same content hash
    expect(createSnapshot(cat, datasetId).contentHash).toBe(s2.contentHash);
  });
});
