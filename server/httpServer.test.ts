import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { openStudio, type StudioContext } from '../core/api/context';
import { handlers } from '../core/api/handlers';
import { startServer, type RunningServer, MAX_BODY_BYTES } from './httpServer';

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

const post = (path: string, body: string, headers: Record<string, string> = {}) => fetch(`${origin}${path}`, { method: 'POST', body, headers });

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

describe('serve bound to a non-loopback address', () => {
  it('accepts any Host name but still requires the token', async () => {
    const dir2 = mkdtempSync(join(tmpdir(), 'avstudio-http-lan-'));
    const ctx2 = openStudio(dir2);
    const lan = await startServer({ ctx: ctx2, handlers, host: '0.0.0.0', port: 0 });
    try {
      const { request } = await import('node:http');
      const status = (headers: Record<string, string>) =>
        new Promise<number>((resolve) => {
          const req = request({ host: '127.0.0.1', port: lan.port, path: '/api/studio.status', method: 'POST', headers }, (res) => resolve(res.statusCode ?? 0));
          req.end('{}');
        });
      expect(await status({ host: `192.168.1.20:${lan.port}`, authorization: `Bearer ${lan.token}` })).toBe(200);
      expect(await status({ host: `192.168.1.20:${lan.port}` })).toBe(401);
    } finally {
      await lan.close();
      ctx2.close();
      rmSync(dir2, { recursive: true, force: true });
    }
  });
});
