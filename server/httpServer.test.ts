import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { openStudio, type StudioContext } from '../core/studio/context';
import { handlers } from '../core/api/handlers';
import { reachableHosts, startServer, type RunningServer, MAX_BODY_BYTES } from './httpServer';
import { execFileSync } from 'node:child_process';
import { BAD_FRAMES, rawWebSocket } from './rawWebSocket';
import { upsertSource } from '../core/catalog/sourcesRepo';
import { readFileSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';

let dir: string;
let ctx: StudioContext;
let server: RunningServer;
let origin: string;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'avstudio-http-'));
  ctx = openStudio(dir);
  server = await startServer({ ctx, handlers, port: 0 });
  origin = new URL(server.url).origin;
});
afterAll(async () => {
  await server.close();
  ctx.close();
  rmSync(dir, { recursive: true, force: true });
});

const post = (path: string, body: string, headers: Record<string, string> = {}) =>
  fetch(`${origin}${path}`, { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers } });

describe('avstudio serve (HTTP door)', () => {
  it('binds to 127.0.0.1 and prints a URL carrying the token', () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=/);
    expect(server.token.length).toBeGreaterThanOrEqual(32);
  });

  it('refuses calls without or with a wrong token', async () => {
    expect((await post('/api/studio.status', '{}')).status).toBe(401);
    expect((await post('/api/studio.status', '{}', { authorization: 'Bearer wrong' })).status).toBe(401);
    expect((await post(`/api/studio.status?token=${server.token}x`, '{}')).status).toBe(401);
  });

  it('accepts the token as bearer, query or cookie', async () => {
    expect((await post('/api/studio.status', '{}', { authorization: `Bearer ${server.token}` })).status).toBe(200);
    expect((await post(`/api/studio.status?token=${encodeURIComponent(server.token)}`, '{}')).status).toBe(200);
    expect((await post('/api/studio.status', '{}', { cookie: `avstudio_token=${encodeURIComponent(server.token)}` })).status).toBe(200);
  });

  it('answers malformed requests with typed 4xx errors', async () => {
    const auth = { authorization: `Bearer ${server.token}` };
    const badJson = await post('/api/pairs.list', '{"datasetId":', auth);
    expect(badJson.status).toBe(400);
    expect(await badJson.json()).toMatchObject({ ok: false, error: { kind: 'bad_request' } });
    expect((await fetch(`${origin}/api/studio.status`, { headers: auth })).status).toBe(405);
    expect((await post('/api/pairs.list', 'x'.repeat(MAX_BODY_BYTES + 10), auth)).status).toBe(413);
    expect((await post('/api/pairs.get', '{"id": 12}', auth)).status).toBe(404);
    expect((await fetch(`${origin}/media/${'f'.repeat(64)}`, { headers: auth })).status).toBe(404);
    // still serving afterwards
    expect((await post('/api/studio.status', '{}', auth)).status).toBe(200);
  });

  it('rejects a foreign Host header (DNS rebinding)', async () => {
    const { request } = await import('node:http');
    const status = await new Promise<number>((resolve) => {
      const req = request({ host: '127.0.0.1', port: server.port, path: '/api/studio.status', method: 'POST', headers: { host: 'evil.example:80', authorization: `Bearer ${server.token}` } }, (res) => resolve(res.statusCode ?? 0));
      req.end('{}');
    });
    expect(status).toBe(403);
  });

  it('streams events over an authenticated WebSocket only', async () => {
    const denied = await new Promise<boolean>((resolve) => {
      const ws = new WebSocket(`ws://127.0.0.1:${server.port}/events`);
      ws.on('error', () => resolve(true));
      ws.on('open', () => resolve(false));
    });
    expect(denied).toBe(true);
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}/events?token=${encodeURIComponent(server.token)}`);
    await new Promise((r) => ws.on('open', r));
    const got = new Promise<unknown>((r) => ws.on('message', (m) => r(JSON.parse(String(m)))));
    ctx.events.emit({ type: 'datasets.changed', datasetId: 7 });
    expect(await got).toEqual({ type: 'datasets.changed', datasetId: 7 });
    ws.close();
  });
});

describe('hostile requests (issue 19)', () => {
  const auth = () => ({ authorization: `Bearer ${server.token}` });
  const cookie = () => ({ cookie: `avstudio_token=${encodeURIComponent(server.token)}` });

  it('survives each malformed WebSocket frame, closing only that socket with the RFC 6455 code', async () => {
    for (const bad of BAD_FRAMES) {
      const out = await rawWebSocket(server.port, `/events?token=${encodeURIComponent(server.token)}`, {}, [bad.frame]);
      expect(out.status, bad.name).toBe(101);
      expect(out.closeCode, bad.name).toBe(bad.closeCode);
    }
    // the process is alive and serving; a well-behaved socket still gets events
    expect((await post('/api/studio.status', '{}', auth())).status).toBe(200);
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}/events?token=${encodeURIComponent(server.token)}`);
    await new Promise((r) => ws.on('open', r));
    const got = new Promise<unknown>((r) => ws.on('message', (m) => r(JSON.parse(String(m)))));
    ctx.events.emit({ type: 'datasets.changed', datasetId: 8 });
    expect(await got).toEqual({ type: 'datasets.changed', datasetId: 8 });
    ws.close();
  });

  it('refuses API calls and the event socket from another origin, even another port of 127.0.0.1', async () => {
    const foreign = 'http://127.0.0.1:5999';
    const r1 = await post('/api/datasets.list', '{}', { ...cookie(), origin: foreign });
    expect(r1.status).toBe(403);
    expect((await post('/api/datasets.list', '{}', { ...cookie(), origin: 'null' })).status).toBe(403);
    expect((await post('/api/datasets.list', '{}', { ...cookie(), 'sec-fetch-site': 'same-site' })).status).toBe(403);
    expect((await post('/api/datasets.list', '{}', { ...cookie(), 'sec-fetch-site': 'cross-site' })).status).toBe(403);
    // the studio's own page passes
    expect((await post('/api/datasets.list', '{}', { ...cookie(), origin, 'sec-fetch-site': 'same-origin' })).status).toBe(200);
    const wsForeign = await rawWebSocket(server.port, '/events', { ...cookie(), Origin: foreign }, []);
    expect(wsForeign.status).toBe(403);
    const wsOwn = await rawWebSocket(server.port, '/events', { ...cookie(), Origin: origin }, [{ opcode: 0x8, payload: Uint8Array.from([0x03, 0xe8]) }]);
    expect(wsOwn.status).toBe(101);
    // media are not handed to other sites' pages either
    expect((await fetch(`${origin}/media/${'a'.repeat(64)}`, { headers: { ...auth(), 'sec-fetch-site': 'cross-site' } })).status).toBe(403);
  });

  it('refuses bodies that are not declared JSON (text/plain, forms, untyped)', async () => {
    for (const type of ['text/plain', 'text/plain;charset=UTF-8', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x']) {
      const r = await post('/api/datasets.ingest', '{"kind":"manifest","path":"/tmp/x.csv"}', { ...cookie(), 'content-type': type });
      expect(r.status, type).toBe(415);
      expect(await r.json()).toMatchObject({ ok: false, error: { kind: 'bad_request' } });
    }
    const untyped = await fetch(`${origin}/api/datasets.list`, { method: 'POST', body: new Blob(['{}']), headers: auth() });
    expect(untyped.status).toBe(415);
    expect((await post('/api/datasets.list', '{}', { ...auth(), 'content-type': 'application/json; charset=utf-8' })).status).toBe(200);
  });

  it('answers malformed URL escapes with 400 bad_request, not 500', async () => {
    for (const path of ['/api/%ff', '/api/%', '/media/%E0%A4%A']) {
      const r = await fetch(`${origin}${path}`, { method: path.startsWith('/api/') ? 'POST' : 'GET', headers: { ...auth(), 'content-type': 'application/json' }, body: path.startsWith('/api/') ? '{}' : undefined });
      expect(r.status, path).toBe(400);
      expect(await r.json()).toMatchObject({ ok: false, error: { kind: 'bad_request' } });
    }
  });

  it('serves a blob only while it is a regular file with the content its hash names', async () => {
    const hash = ctx.blobs.put(Buffer.from('a picture'), 'png');
    const file = ctx.blobs.pathFor(hash, 'png');
    expect((await fetch(`${origin}/media/${hash}`, { headers: auth() })).status).toBe(200);
    // replaced by a symlink to a system file: not served
    unlinkSync(file);
    symlinkSync('/etc/passwd', file);
    const viaLink = await fetch(`${origin}/media/${hash}`, { headers: auth() });
    expect(viaLink.status).toBe(404);
    // nor through a catalog source that points into the blob store (as the demo dataset's do)
    upsertSource(ctx.catalog, { hash, kind: 'image', path: file, originalName: 'p.png', bytes: 9 });
    const viaSource = await fetch(`${origin}/media/${hash}`, { headers: auth() });
    expect(viaSource.status).toBe(404);
    // replaced by other bytes: not served either
    unlinkSync(file);
    writeFileSync(file, 'something else');
    expect((await fetch(`${origin}/media/${hash}`, { headers: auth() })).status).toBe(404);
    // a later put of the same content repairs it
    expect(ctx.blobs.put(Buffer.from('a picture'), 'png')).toBe(hash);
    expect(await (await fetch(`${origin}/media/${hash}`, { headers: auth() })).text()).toBe('a picture');
  });
});

describe('serve bound to a non-loopback address', () => {
  it('accepts any Host name but still requires the token', async () => {
    const dir2 = mkdtempSync(join(tmpdir(), 'avstudio-http-lan-'));
    const ctx2 = openStudio(dir2);
    const lan = await startServer({ ctx: ctx2, handlers, host: '0.0.0.0', port: 0 });
    try {
      const { request } = await import('node:http');
      const status = (headers: Record<string, string>) =>
        new Promise<number>((resolve) => {
          const req = request({ host: '127.0.0.1', port: lan.port, path: '/api/studio.status', method: 'POST', headers: { 'content-type': 'application/json', ...headers } }, (res) => resolve(res.statusCode ?? 0));
          req.end('{}');
        });
      expect(await status({ host: `192.168.1.20:${lan.port}`, authorization: `Bearer ${lan.token}` })).toBe(200);
      expect(await status({ host: `192.168.1.20:${lan.port}` })).toBe(401);
      // a page of the LAN address itself passes the origin check; another origin does not
      expect(await status({ host: `192.168.1.20:${lan.port}`, authorization: `Bearer ${lan.token}`, origin: `http://192.168.1.20:${lan.port}` })).toBe(200);
      expect(await status({ host: `192.168.1.20:${lan.port}`, authorization: `Bearer ${lan.token}`, origin: `http://192.168.1.20:${lan.port + 1}` })).toBe(403);
    } finally {
      await lan.close();
      ctx2.close();
      rmSync(dir2, { recursive: true, force: true });
    }
  });
});

describe('serve on a LAN (issue 19, item 15)', () => {
  it('prints reachable addresses for a wildcard host, never 0.0.0.0', () => {
    const ifaces = {
      lo: [{ address: '127.0.0.1', family: 'IPv4', internal: true }],
      eth0: [
        { address: '192.168.1.20', family: 'IPv4', internal: false },
        { address: 'fe80::1', family: 'IPv6', internal: false },
        { address: '2001:db8::5', family: 'IPv6', internal: false },
      ],
    } as unknown as ReturnType<typeof import('node:os').networkInterfaces>;
    expect(reachableHosts('0.0.0.0', ifaces)).toEqual(['127.0.0.1', '192.168.1.20']);
    expect(reachableHosts('::', ifaces)).toEqual(['127.0.0.1', '192.168.1.20', '2001:db8::5']);
    expect(reachableHosts('192.168.1.20', ifaces)).toEqual(['192.168.1.20']);
  });

  it('a wildcard server lists its URLs, and serves HTTPS with --tls-cert/--tls-key', async () => {
    const dir2 = mkdtempSync(join(tmpdir(), 'avstudio-http-tls-'));
    const ctx2 = openStudio(dir2);
    const cert = join(dir2, 'cert.pem');
    const key = join(dir2, 'key.pem');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=127.0.0.1'], { stdio: 'ignore' });
    const lan = await startServer({ ctx: ctx2, handlers, host: '0.0.0.0', port: 0, tls: { cert: readFileSync(cert), key: readFileSync(key) } });
    try {
      expect(lan.urls[0]).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/\?token=/);
      expect(lan.urls.some((u) => u.includes('0.0.0.0'))).toBe(false);
      const { request } = await import('node:https');
      const status = await new Promise<number>((resolve, reject) => {
        const req = request(
          { host: '127.0.0.1', port: lan.port, path: '/api/studio.status', method: 'POST', rejectUnauthorized: false, headers: { authorization: `Bearer ${lan.token}`, 'content-type': 'application/json', origin: `https://127.0.0.1:${lan.port}` } },
          (res) => resolve(res.statusCode ?? 0),
        );
        req.on('error', reject);
        req.end('{}');
      });
      expect(status).toBe(200);
    } finally {
      await lan.close();
      ctx2.close();
      rmSync(dir2, { recursive: true, force: true });
    }
  });
});

describe('runs.list over HTTP (issue 19, item 14)', () => {
  it('shows a run whose worker died as interrupted, not running', async () => {
    const { createDemoDataset } = await import('../core/datasets/demoDataset');
    const { planRun } = await import('../core/runs/planRun');
    const { setRunStatus } = await import('../core/runs/runsRepo');
    const { spawnSync } = await import('node:child_process');
    await createDemoDataset(ctx.catalog, ctx.blobs, 'runs-small', { trackSeconds: 1 });
    const id = planRun(ctx.catalog, { model: 'sound-clf', dataset: 'runs-small', preset: 'tiny', epochs: 1 }).targetRunId;
    setRunStatus(ctx.catalog, id, 'running', { pid: spawnSync(process.execPath, ['-e', '0']).pid, error: null });
    const r = await post('/api/runs.list', '{}', { authorization: `Bearer ${server.token}` });
    const runs = ((await r.json()) as { result: Array<{ id: number; status: string }> }).result;
    expect(runs.find((x) => x.id === id)?.status).toBe('interrupted');
  });
});
