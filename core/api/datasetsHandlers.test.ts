import { describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { openStudio } from '../studio/context';
import { callOrThrow, dispatch } from './dispatch';
import { handlers } from './handlers';
import { mediaFileFor, parseRange } from './mediaFiles';
import { makeReleaseFixture, makeUrmpFixture, tempDir } from '../datasets/testFixtures';

describe('mediaFileFor / parseRange', () => {
  it('parses single byte ranges', () => {
    expect(parseRange(undefined, 100)).toBeNull();
    expect(parseRange('bytes=0-9', 100)).toEqual({ start: 0, end: 9 });
    expect(parseRange('bytes=90-', 100)).toEqual({ start: 90, end: 99 });
    expect(parseRange('bytes=-10', 100)).toEqual({ start: 90, end: 99 });
    expect(parseRange('bytes=50-500', 100)).toEqual({ start: 50, end: 99 });
    expect(parseRange('bytes=100-', 100)).toBe('unsatisfiable');
    expect(parseRange('bytes=9-3', 100)).toBe('unsatisfiable');
    expect(parseRange('items=0-3', 100)).toBeNull();
    expect(parseRange('bytes=0-1,5-6', 100)).toEqual({ start: 0, end: 1 });
  });
});

describe('pairs.picture / pairs.lms / pairs.groups', () => {
  it('renders a release pair (image) and finds imported media through the sources table', async () => {
    const ctx = openStudio(tempDir('home-'));
    const release = await makeReleaseFixture();
    const r = await callOrThrow(handlers, ctx, 'datasets.ingest', { kind: 'sub-urmp', path: release, name: 'rel' });
    const { items } = await callOrThrow(handlers, ctx, 'pairs.list', { datasetId: r.dataset.id, instrument: 'vn' });
    const pair = items[0];
    // imported media are not in the blob store, but the UI can still fetch them
    expect(ctx.blobs.find(pair.audio.hash)).toBeNull();
    expect(mediaFileFor(ctx, pair.audio.hash)).toMatchObject({ from: 'sources', mime: 'audio/wav' });
    expect(mediaFileFor(ctx, 'f'.repeat(64))).toBeNull();
    expect(mediaFileFor(ctx, '../etc/passwd')).toBeNull();

    const pic = await callOrThrow(handlers, ctx, 'pairs.picture', { id: pair.id });
    expect(pic.kind).toBe('image');
    expect(pic.source).toEqual({ hash: pair.image!.hash, width: 80, height: 60 });
    expect(pic.full).toMatchObject({ width: 80, height: 60 });
    expect(pic.small).toMatchObject({ width: 64, height: 64 });
    expect(mediaFileFor(ctx, pic.full.hash)?.mime).toBe('image/jpeg');
    expect(mediaFileFor(ctx, pic.small.hash)?.from).toBe('blobs');
    // second call: from the cache, same hashes
    expect(await callOrThrow(handlers, ctx, 'pairs.picture', { id: pair.id })).toEqual(pic);

    const lms = await callOrThrow(handlers, ctx, 'pairs.lms', { id: pair.id });
    expect(lms.shape).toEqual([128, 44]);
    expect(lms.data).toHaveLength(128 * 44);
    expect(lms.maxDb).toBeGreaterThan(lms.minDb);
    expect((await callOrThrow(handlers, ctx, 'pairs.lms', { id: pair.id })).data).toEqual(lms.data);

    const groups = await callOrThrow(handlers, ctx, 'pairs.groups', { datasetId: r.dataset.id });
    expect(groups.total).toBeGreaterThan(1);
    const g = groups.items.find((x) => x.groupKey.includes('violin01'))!;
    expect(g.pairs).toBe(2);
    const inGroup = await callOrThrow(handlers, ctx, 'pairs.list', { datasetId: r.dataset.id, group: g.groupKey });
    expect(inGroup.total).toBe(2);
    expect((await callOrThrow(handlers, ctx, 'pairs.groups', { datasetId: r.dataset.id, search: 'cello' })).items.every((x) => x.groupKey.includes('cello'))).toBe(true);

    const missing = await dispatch(handlers, ctx, 'pairs.picture', { id: 99999 });
    expect(missing).toMatchObject({ ok: false, error: { kind: 'not_found' } });
    ctx.close();
  });

  it('renders a URMP pair: the video frame, the crop box applied to full and 64×64', async () => {
    const ctx = openStudio(tempDir('home-'));
    const { root } = makeUrmpFixture();
    const r = await callOrThrow(handlers, ctx, 'datasets.ingest', { kind: 'urmp', path: root, name: 'urmp' });
    const { items } = await callOrThrow(handlers, ctx, 'pairs.list', { datasetId: r.dataset.id, limit: 1 });
    const pair = items[0];
    expect(pair.video).not.toBeNull();
    const pic = await callOrThrow(handlers, ctx, 'pairs.picture', { id: pair.id });
    expect(pic.kind).toBe('video-frame');
    expect(pic.source).toMatchObject({ width: 160, height: 120 });
    expect(existsSync(mediaFileFor(ctx, pic.source.hash)!.file)).toBe(true);
    expect(mediaFileFor(ctx, pair.video!.hash)?.mime).toBe('video/mp4');
    await callOrThrow(handlers, ctx, 'pairs.edit', { id: pair.id, edit: { action: 'crop', crop: { x: 10, y: 20, w: 50, h: 40 } } });
    const cropped = await callOrThrow(handlers, ctx, 'pairs.picture', { id: pair.id });
    expect(cropped.source.hash).toBe(pic.source.hash);
    expect(cropped.full).toMatchObject({ width: 50, height: 40 });
    expect(cropped.full.hash).not.toBe(pic.full.hash);
    expect(cropped.small.hash).not.toBe(pic.small.hash);
    expect(cropped.crop).toEqual({ x: 10, y: 20, w: 50, h: 40 });
    ctx.close();
  });
});
