// The background feature task as the studio runs it: started through the API after an import (and
// by datasets.materialize), reported by features.progress events and datasets.features, cancelled
// by tasks.cancel, and picked up again by the next studio process when one was killed.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openStudio } from './context';
import type { StudioEvent } from '../contract/api';
import { dispatch } from '../api/dispatch';
import { handlers } from '../api/handlers';
import { clearFeatureWorkPending, featureTasks, markFeatureWorkPending, pendingFeatureWork } from './featureTasks';
import { makeUrmpFixture, tempDir } from '../datasets/testFixtures';

type FeaturesEvent = Extract<StudioEvent, { type: 'features.progress' }>;

describe('feature tasks', () => {
  it('an import starts the feature task; progress events, status and resume after a killed studio', async () => {
    const home = tempDir('ft-home-');
    const ctx = openStudio(home);
    const events: FeaturesEvent[] = [];
    ctx.events.on((e) => e.type === 'features.progress' && events.push(e));
    const ingested = await dispatch(handlers, ctx, 'datasets.ingest', { kind: 'urmp', path: makeUrmpFixture().root, name: 'u' });
    expect(ingested.ok).toBe(true);
    const id = (ingested as { ok: true; result: { dataset: { id: number } } }).result.dataset.id;
    const task = featureTasks(ctx).task(id)!;
    expect(task.state).toBe('running');
    expect(pendingFeatureWork(ctx)).toEqual([id]);
    const end = await featureTasks(ctx).wait(id);
    expect(end).toMatchObject({ state: 'done', failed: 0 });
    expect(end!.done).toBe(end!.total);
    expect(events.at(-1)).toMatchObject({ datasetId: id, state: 'done', done: end!.total });
    expect(pendingFeatureWork(ctx)).toEqual([]);
    const st = await dispatch(handlers, ctx, 'datasets.features', { datasetId: id });
    expect(st).toMatchObject({ ok: true, result: { datasetId: id, pairs: end!.total, done: end!.total, task: { state: 'done' } } });

    // cancel: tasks.cancel with the task's id ends it as cancelled (after at least one feature)
    ctx.catalog.db.prepare('DELETE FROM feature_cache').run();
    const started = await dispatch(handlers, ctx, 'datasets.materialize', { datasetId: id, features: ['image'] });
    expect(started.ok).toBe(true);
    const taskId = (started as { ok: true; result: { taskId: string } }).result.taskId;
    expect(await dispatch(handlers, ctx, 'tasks.cancel', { taskId })).toMatchObject({ ok: true, result: { cancelled: true } });
    expect(await featureTasks(ctx).wait(id)).toMatchObject({ state: 'cancelled' });
    expect(pendingFeatureWork(ctx)).toEqual([]);
    ctx.close();

    // a studio killed while computing left its dataset in the pending list: the next start resumes it
    writeFileSync(join(home, 'features-pending.json'), JSON.stringify([id, 999]));
    const ctx2 = openStudio(home);
    expect(featureTasks(ctx2).resumePending()).toEqual([id]);
    expect(await featureTasks(ctx2).wait(id)).toMatchObject({ state: 'done', failed: 0 });
    expect(await featureTasks(ctx2).status(id)).toMatchObject({ done: end!.total });
    expect(pendingFeatureWork(ctx2)).toEqual([]);
    // the CLI's ingest lists its new dataset for the next start; a finished `materialize` takes it off
    markFeatureWorkPending(ctx2, id);
    expect(pendingFeatureWork(ctx2)).toEqual([id]);
    clearFeatureWorkPending(ctx2, id);
    expect(pendingFeatureWork(ctx2)).toEqual([]);
    ctx2.close();
  }, 60_000);

  it('a studio that closes while its feature task runs stops it and keeps the work listed for the next start', async () => {
    const home = tempDir('ft-close-');
    const ctx = openStudio(home);
    const ingested = await dispatch(handlers, ctx, 'datasets.ingest', { kind: 'urmp', path: makeUrmpFixture().root, name: 'u' });
    const id = (ingested as { ok: true; result: { dataset: { id: number } } }).result.dataset.id;
    expect(featureTasks(ctx).task(id)?.state).toBe('running');
    const ended = featureTasks(ctx).wait(id);
    ctx.close();
    // the task ends without writing to the closed catalog (an error there would fail it otherwise unseen)
    expect((await ended)?.state).toMatch(/cancelled|failed/);
    const ctx2 = openStudio(home);
    expect(pendingFeatureWork(ctx2)).toEqual([id]);
    expect(featureTasks(ctx2).resumePending()).toEqual([id]);
    expect(await featureTasks(ctx2).wait(id)).toMatchObject({ state: 'done', failed: 0 });
    ctx2.close();
  }, 60_000);
});
