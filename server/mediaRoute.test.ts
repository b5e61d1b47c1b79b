// /media/<hash>: blob-store files and imported files (sources table), with HTTP Range for seeking.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { nowIso } from '../core/catalog/catalog';
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

  it('?thumb=1: a small JPEG of a large picture, made once and kept; small pictures and other media as they are', async () => {
    const big = join(dir, 'big.jpg');
    writeFileSync(big, await sharp({ create: { width: 1920, height: 1080, channels: 3, background: { r: 200, g: 40, b: 90 } } }).jpeg().toBuffer());
    const small = join(dir, 'small.png');
    writeFileSync(small, await sharp({ create: { width: 64, height: 48, channels: 3, background: { r: 10, g: 20, b: 30 } } }).png().toBuffer());
    const hashes = { big: 'b'.repeat(64), small: 'c'.repeat(64) };
    const add = ctx.catalog.db.prepare("INSERT INTO sources (hash, kind, path, original_name, bytes, created_at) VALUES (?, 'image', ?, ?, 0, ?)");
    add.run(hashes.big, big, 'big.jpg', nowIso());
    add.run(hashes.small, small, 'small.png', nowIso());

    const thumb = await fetch(`${origin}/media/${hashes.big}?thumb=1`, { headers: auth });
    expect(thumb.status).toBe(200);
    expect(thumb.headers.get('content-type')).toBe('image/jpeg');
    const meta = await sharp(Buffer.from(await thumb.arrayBuffer())).metadata();
    expect([meta.width, meta.height]).toEqual([228, 128]); // the shorter side 128, aspect kept
    const kept = join(ctx.home.thumbsDir, hashes.big.slice(0, 2), `${hashes.big}-128.jpg`);
    expect(existsSync(kept)).toBe(true);
    // the whole file without ?thumb
    const whole = await fetch(`${origin}/media/${hashes.big}`, { headers: auth });
    expect(Buffer.from(await whole.arrayBuffer()).equals(readFileSync(big))).toBe(true);
    // a picture already small, and a file that is not a picture: served as they are
    const same = await fetch(`${origin}/media/${hashes.small}?thumb=1`, { headers: auth });
    expect(Buffer.from(await same.arrayBuffer()).equals(readFileSync(small))).toBe(true);
    const pair = (await callOrThrow(handlers, ctx, 'pairs.list', { datasetId: 1, limit: 1 })).items[0];
    const audio = await fetch(`${origin}/media/${pair.audio.hash}?thumb=1`, { headers: auth });
    expect(audio.headers.get('content-type')).toBe('audio/wav');
    // a picture that cannot be decoded: the file as it is (the browser shows what it can), nothing kept
    const broken = join(dir, 'broken.jpg');
    writeFileSync(broken, Buffer.from('not a jpeg at all'));
    add.run('d'.repeat(64), broken, 'broken.jpg', nowIso());
    const b = await fetch(`${origin}/media/${'d'.repeat(64)}?thumb=1`, { headers: auth });
    expect(b.status).toBe(200);
    expect(Buffer.from(await b.arrayBuffer()).toString()).toBe('not a jpeg at all');
    expect(existsSync(join(ctx.home.thumbsDir, 'dd'))).toBe(false);
  });
});
