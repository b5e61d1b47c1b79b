import { describe, expect, it } from 'vitest';
import { openStudio } from '../studio/context';
import type { StudioEvent } from '../contract/api';
import { callOrThrow, dispatch } from '../api/dispatch';
import { handlers } from '../api/handlers';
import { makeReleaseFixture, tempDir } from './testFixtures';

describe('datasets.* and pairs.* API', () => {
  it('ingests with progress events, shows Table 2 counts, curates, undoes, snapshots and exports', async () => {
    const ctx = openStudio(tempDir('home-'));
    const events: StudioEvent[] = [];
    ctx.events.on((e) => events.push(e));
    const release = await makeReleaseFixture();
    const r = await callOrThrow(handlers, ctx, 'datasets.ingest', { kind: 'sub-urmp', path: release, name: 'rel' });
    expect(r.added).toBe(7);
    expect(r.skipped).toHaveLength(4);
    expect(events.some((e) => e.type === 'task.progress' && e.done === e.total)).toBe(true);
    expect(events.some((e) => e.type === 'datasets.changed')).toBe(true);

    const show = await callOrThrow(handlers, ctx, 'datasets.show', { dataset: 'rel' });
    expect(show.counts).toEqual([
      { instrument: 'vc', train: 2, test: 0 },
      { instrument: 'vn', train: 3, test: 2 },
    ]);
    expect(show.reference?.find((c) => c.instrument === 'vc')).toEqual({ instrument: 'vc', train: 9800, test: 1030 });
    expect(show.reports[0].skipped).toHaveLength(4);

    const pairs = await callOrThrow(handlers, ctx, 'pairs.list', { datasetId: r.dataset.id, instrument: 'vn' });
    const id = pairs.items[0].id;
    expect((await callOrThrow(handlers, ctx, 'pairs.edit', { id, edit: { action: 'relabel', instrument: 'va' } })).instrument).toBe('va');
    expect(await callOrThrow(handlers, ctx, 'pairs.history', { pairId: id })).toHaveLength(1);
    const snap = await callOrThrow(handlers, ctx, 'datasets.snapshot', { datasetId: r.dataset.id });
    expect(snap.pairCount).toBe(7);
    const undone = await callOrThrow(handlers, ctx, 'pairs.undo', { datasetId: r.dataset.id });
    expect(undone.undone[0].oldValue).toEqual({ instrument: 'vn' });
    const bad = await dispatch(handlers, ctx, 'pairs.undo', { pairId: id, datasetId: r.dataset.id });
    expect(bad.ok).toBe(false);
    const badEdit = await dispatch(handlers, ctx, 'pairs.edit', { id, edit: { action: 'move', startS: 3 } });
    expect(badEdit).toMatchObject({ ok: false, error: { kind: 'out_of_range' } });

    const ex = await callOrThrow(handlers, ctx, 'datasets.export', { datasetId: r.dataset.id, layout: 'sub-urmp', out: tempDir('ex-') });
    expect(ex.written).toBe(7);
    const missing = await dispatch(handlers, ctx, 'datasets.ingest', { kind: 'urmp', path: '/nonexistent/urmp' });
    expect(missing).toMatchObject({ ok: false, error: { kind: 'not_found' } });
    ctx.close();
  });
});
