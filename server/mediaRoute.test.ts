// /media/<hash>: blob-store files and imported files (sources table), with HTTP Range for seeking.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, rmSync } from 'node:fs';
import { openStudio, type StudioContext } from '../core/studio/context';
import { callOrThrow } from '../core/api/dispatch';
import { handlers } from '../core/api/handlers';
import { makeReleaseFixture, tempDir } from '../core/datasets/testFixtures';
import { startServer, type RunningServer } from './httpServer';

let dir: string;
let ctx: StudioContext;
let server: RunningServer;
let origin: string;
let auth: Record<string, string>;
beforeAll(async () => {
  dir = tempDir('avstudio-media-');
  ctx = openStudio(dir);
  server = await startServer({ ctx, handlers, port: 0 });
  origin = new URL(server.url).origin;
  auth = { authorization: `Bearer ${server.token}` };
});
afterAll(async () => {
  await server.close();
  ctx.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('/media/<hash>', () => {
  it('serves imported files from their path, whole and by byte range', async () => {
    const release = await makeReleaseFixture();
    const r = await callOrThrow(handlers, ctx, 'datasets.ingest', { kind: 'sub-urmp', path: release, name: 'rel' });
    const pair = (await callOrThrow(handlers, ctx, 'pairs.list', { datasetId: r.dataset.id, limit: 1 })).items[0];
    const file = ctx.catalog.db.prepare('SELECT path FROM sources WHERE hash = ?').get(pair.audio.hash) as { path: string };
    const bytes = readFileSync(file.path);

    const whole = await fetch(`${origin}/media/${pair.audio.hash}`, { headers: auth });
    expect(whole.status).toBe(200);
    expect(whole.headers.get('content-type')).toBe('audio/wav');
    expect(whole.headers.get('accept-ranges')).toBe('bytes');
    expect(Buffer.from(await whole.arrayBuffer()).equals(bytes)).toBe(true);

    const part = await fetch(`${origin}/media/${pair.audio.hash}`, { headers: { ...auth, range: 'bytes=100-199' } });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe(`bytes 100-199/${bytes.length}`);
    expect(Buffer.from(await part.arrayBuffer()).equals(bytes.subarray(100, 200))).toBe(true);

    const tail = await fetch(`${origin}/media/${pair.audio.hash}`, { headers: { ...auth, range: 'bytes=-8' } });
    expect(tail.status).toBe(206);
    expect(Buffer.from(await tail.arrayBuffer()).equals(bytes.subarray(bytes.length - 8))).toBe(true);

    const past = await fetch(`${origin}/media/${pair.audio.hash}`, { headers: { ...auth, range: `bytes=${bytes.length}-` } });
    expect(past.status).toBe(416);
    expect(past.headers.get('content-range')).toBe(`bytes */${bytes.length}`);

    const image = await fetch(`${origin}/media/${pair.image!.hash}`, { headers: auth });
    expect(image.status).toBe(200);
    expect(image.headers.get('content-type')).toBe('image/jpeg');
  });

  it('404s unknown hashes and refuses without the token', async () => {
    expect((await fetch(`${origin}/media/${'a'.repeat(64)}`, { headers: auth })).status).toBe(404);
    expect((await fetch(`${origin}/media/..%2F..%2Fcatalog.sqlite`, { headers: auth })).status).toBe(404);
    expect((await fetch(`${origin}/media/${'a'.repeat(64)}`)).status).toBe(401);
  });
});
