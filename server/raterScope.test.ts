// The rater link's scope on `avstudio serve`: a rater token calls only the rater methods (as itself),
// fetches only its session's item images, loads the SPA under /rate/<token>/, and nothing else.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import WebSocket from 'ws';
import { handlers } from '../core/api/handlers';
import type { HumanEvalSession } from '../core/contract/humanEvalContract';
import { createSession } from '../core/humaneval/sessions';
import { fakeStudio, type FakeStudio } from '../core/humaneval/testFixtures';
import { ratePath, startServer, type RunningServer } from './httpServer';

let f: FakeStudio;
let server: RunningServer;
let origin: string;
let session: HumanEvalSession;
let other: HumanEvalSession;
let staticDir: string;

beforeAll(async () => {
  f = await fakeStudio();
  session = await createSession(f.ctx, { sets: 1, raters: ['ann', 'ben'], seed: 3, instruments: ['cl', 'vn'] }, { generate: f.generate });
  other = await createSession(f.ctx, { sets: 1, raters: ['cat'], seed: 4, instruments: ['fl'] }, { generate: f.generate });
  staticDir = join(f.ctx.home.root, 'web');
  mkdirSync(join(staticDir, 'assets'), { recursive: true });
  writeFileSync(join(staticDir, 'index.html'), '<!doctype html><script type="module" src="./assets/app.js"></script>');
  writeFileSync(join(staticDir, 'assets', 'app.js'), 'console.log("app")');
  server = await startServer({ ctx: f.ctx, handlers, port: 0, staticDir });
  origin = new URL(server.url).origin;
}, 60_000);

afterAll(async () => {
  await server.close();
  f.ctx.close();
  rmSync(f.ctx.home.root, { recursive: true, force: true });
});

const call = (method: string, body: unknown, token: string) =>
  fetch(`${origin}/api/${method}`, { method: 'POST', body: JSON.stringify(body), headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' } });

describe('rater token scope', () => {
  it('parses rater link paths', () => {
    expect(ratePath('/rate/abc')).toEqual({ token: 'abc', rest: null });
    expect(ratePath('/rate/abc/')).toEqual({ token: 'abc', rest: '/' });
    expect(ratePath('/rate/abc/assets/x.js')).toEqual({ token: 'abc', rest: '/assets/x.js' });
    expect(ratePath('/ratex/abc')).toBeNull();
  });

  it('calls the rater methods, always as itself', async () => {
    const ann = session.raters[0];
    const res = await call('humaneval.rater.state', {}, ann.token);
    expect(res.status).toBe(200);
    const state = ((await res.json()) as { result: { raterName: string; items: Array<{ itemId: number; hash: string }> } }).result;
    expect(state.raterName).toBe('ann');
    // naming another rater's token in the body does not act as that rater
    const asBen = await call('humaneval.rater.state', { token: session.raters[1].token }, ann.token);
    expect(((await asBen.json()) as { result: { raterName: string } }).result.raterName).toBe('ann');
    const scored = await call('humaneval.rater.score', { itemId: state.items[0].itemId, score: 2, ms: 900 }, ann.token);
    expect(scored.status).toBe(200);
    expect(await scored.json()).toMatchObject({ ok: true, result: { scored: 1, total: 8 } });
    // an item of another session is refused
    const foreign = f.ctx.catalog.db.prepare('SELECT id FROM humaneval_items WHERE session_id = ?').get(other.id) as { id: number };
    const bad = await call('humaneval.rater.score', { itemId: foreign.id, score: 1 }, ann.token);
    expect(bad.status).toBe(400);
    // the query-string form works too (what media URLs use)
    expect((await fetch(`${origin}/api/humaneval.rater.state?token=${ann.token}`, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } })).status).toBe(200);
  });

  it('cannot call any other method', async () => {
    const ann = session.raters[0].token;
    for (const [m, body] of [
      ['studio.status', {}],
      ['humaneval.list', {}],
      ['humaneval.get', { id: session.id }],
      ['humaneval.results', { id: session.id, force: true }],
      ['humaneval.addRater', { sessionId: session.id, name: 'mallory' }],
      ['runs.list', {}],
      ['pairs.list', { datasetId: f.datasetId }],
      ['datasets.list', {}],
      ['no.such.method', {}],
    ] as const) {
      const res = await call(m, body, ann);
      expect(res.status, m).toBe(403);
      expect(JSON.stringify(await res.json())).not.toMatch(/s2i|ground/);
    }
  });

  it("fetches only its own session's item images", async () => {
    const ann = session.raters[0].token;
    const own = f.ctx.catalog.db.prepare('SELECT blob_hash AS h FROM humaneval_items WHERE session_id = ?').all(session.id) as Array<{ h: string }>;
    for (const { h } of own.slice(0, 3)) expect((await fetch(`${origin}/media/${h}?token=${ann}`)).status).toBe(200);
    const foreign = f.ctx.catalog.db.prepare('SELECT blob_hash AS h FROM humaneval_items WHERE session_id = ?').get(other.id) as { h: string };
    expect((await fetch(`${origin}/media/${foreign.h}?token=${ann}`)).status).toBe(403);
    // a stored blob that is no item (a dataset source) is refused, the studio token gets it
    const src = f.ctx.catalog.db.prepare('SELECT hash FROM sources LIMIT 1').get() as { hash: string };
    expect((await fetch(`${origin}/media/${src.hash}?token=${ann}`)).status).toBe(403);
    expect((await fetch(`${origin}/media/${src.hash}?token=${server.token}`)).status).toBe(200);
  });

  it('loads the SPA under /rate/<token>/ and refuses unknown tokens', async () => {
    const ann = session.raters[0].token;
    const redirect = await fetch(`${origin}/rate/${ann}`, { redirect: 'manual' });
    expect(redirect.status).toBe(302);
    expect(redirect.headers.get('location')).toBe(`/rate/${ann}/`);
    const page = await fetch(`${origin}/rate/${ann}/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('./assets/app.js');
    expect(page.headers.get('set-cookie')).toBeNull();
    const asset = await fetch(`${origin}/rate/${ann}/assets/app.js`);
    expect(asset.headers.get('content-type')).toContain('text/javascript');
    expect((await fetch(`${origin}/rate/not-a-rater-token/`)).status).toBe(401);
    expect((await fetch(`${origin}/rate/${ann}x/assets/app.js`)).status).toBe(401);
  });

  it('answers the browser\'s own /favicon.ico request without a token, and nothing else', async () => {
    expect((await fetch(`${origin}/favicon.ico`)).status).toBe(204);
    expect((await fetch(`${origin}/favicon.ico`, { method: 'POST' })).status).toBe(401);
    expect((await fetch(`${origin}/assets/app.js`)).status).toBe(401);
  });

  it('gets no live events', async () => {
    const ann = session.raters[0].token;
    const ws = new WebSocket(`${origin.replace('http', 'ws')}/events?token=${ann}`);
    const outcome = await new Promise<string>((resolve) => {
      ws.on('open', () => resolve('open'));
      ws.on('error', () => resolve('refused'));
    });
    expect(outcome).toBe('refused');
  });

  it('leaves the studio token everything, rater methods included', async () => {
    expect((await call('humaneval.list', {}, server.token)).status).toBe(200);
    const res = await call('humaneval.rater.state', { token: session.raters[1].token }, server.token);
    expect(((await res.json()) as { result: { raterName: string } }).result.raterName).toBe('ben');
  });
});
