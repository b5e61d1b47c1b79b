// The change feed on a real catalog file: two studio contexts (two connections, two origins) and a
// real second process (the CLI) hear each other's events once, in order, within a poll tick; the
// emitting process does not hear its own twice; the log stays bounded.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openStudio, type StudioContext } from './context';
import { callOrThrow } from '../api/dispatch';
import { handlers } from '../api/handlers';
import type { StudioEvent } from '../contract/api';
import { createDemoDataset } from '../datasets/demoDataset';
import { FEED_KEEP, FEED_POLL_MS } from './changeFeed';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
let dir: string;
let a: StudioContext;
let b: StudioContext;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'avstudio-feed-'));
  a = openStudio(dir);
  b = openStudio(dir);
});
afterAll(() => {
  a.close();
  b.close();
  rmSync(dir, { recursive: true, force: true });
});

function record(ctx: StudioContext): Array<{ e: StudioEvent; from: string }> {
  const seen: Array<{ e: StudioEvent; from: string }> = [];
  ctx.events.on((e, from) => seen.push({ e, from }));
  return seen;
}

describe('change feed', () => {
  it("delivers another connection's events once, in order, and never a process's own twice", () => {
    const seenA = record(a);
    const seenB = record(b);
    a.events.emit({ type: 'datasets.changed', datasetId: 1 });
    a.events.emit({ type: 'run.updated', runId: 7, status: 'queued', epoch: 0 });
    expect(seenB).toEqual([]); // nothing before B polls
    expect(b.changes.poll()).toBe(2);
    expect(seenB.map((s) => [s.e.type, s.from])).toEqual([['datasets.changed', 'remote'], ['run.updated', 'remote']]);
    expect(b.changes.poll()).toBe(0); // data_version unchanged: nothing read again
    b.events.emit({ type: 'run.log', runId: 7, level: 'info', message: 'hello' });
    expect(a.changes.poll()).toBe(1); // only B's event; A's own two are skipped
    expect(seenA.map((s) => [s.e.type, s.from])).toEqual([['datasets.changed', 'local'], ['run.updated', 'local'], ['run.log', 'remote']]);
    expect(b.changes.poll()).toBe(0);
    expect(seenB).toHaveLength(3); // B heard its own log line once, locally
  });

  it('hears a real CLI process queue a run (avstudio train --detach), and another connection within a poll tick', async () => {
    await createDemoDataset(a.catalog, a.blobs, 'small', { trackSeconds: 1 });
    const seen = record(b);
    b.changes.follow();
    const out = await new Promise<string>((resolve, reject) => {
      const args = ['train', '--model', 'sound-clf', '--dataset', 'small', '--preset', 'tiny', '--epochs', '1', '--detach', '--json', '--home', dir];
      const p = spawn(process.execPath, [join(ROOT, 'bin/avstudio.mjs'), ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
      let o = '';
      let err = '';
      p.stdout.on('data', (c) => (o += String(c)));
      p.stderr.on('data', (c) => (err += String(c)));
      p.on('exit', (code) => (code === 0 ? resolve(o) : reject(new Error(`exit ${code}: ${err}`))));
    });
    const runId = (JSON.parse(out) as { targetRunId: number }).targetRunId;
    await expect.poll(() => seen.filter((s) => s.from === 'remote' && s.e.type === 'run.updated' && s.e.runId === runId && s.e.status === 'queued').length, { timeout: 1000, interval: 10 }).toBe(1);
    // latency of the default poll (FEED_POLL_MS) from another connection's commit to delivery
    const other = openStudio(dir);
    const lat: number[] = [];
    for (let i = 0; i < 5; i++) {
      const sentAt = performance.now();
      other.events.emit({ type: 'run.log', runId, level: 'info', message: `ping ${i}` });
      await expect.poll(() => seen.some((s) => s.e.type === 'run.log' && s.e.message === `ping ${i}`), { timeout: 1000, interval: 2 }).toBe(true);
      lat.push(performance.now() - sentAt);
    }
    other.close();
    b.changes.stop();
    expect(Math.max(...lat)).toBeLessThan(FEED_POLL_MS + 200);
  });

  it("tells another process about a pair edit and its undo (pairs.undo emits)", async () => {
    const seen = record(b);
    b.changes.poll();
    const pair = (await callOrThrow(handlers, a, 'pairs.list', { datasetId: 1, offset: 0, limit: 1 })).items[0];
    await callOrThrow(handlers, a, 'pairs.edit', { id: pair.id, edit: { action: 'reject' } });
    await callOrThrow(handlers, a, 'pairs.undo', { pairId: pair.id });
    b.changes.poll();
    expect(seen.filter((x) => x.e.type === 'pairs.changed').map((x) => x.e)).toEqual([
      { type: 'pairs.changed', datasetId: 1, pairIds: [pair.id] },
      { type: 'pairs.changed', datasetId: 1, pairIds: [pair.id] },
    ]);
    expect(seen.every((x) => x.from === 'remote')).toBe(true);
  });

  it('writes training steps in batches, keeping the order of the events around them', async () => {
    const seen = record(b);
    b.changes.poll();
    a.events.emit({ type: 'run.step', runId: 9, epoch: 1, step: 1, metrics: { loss: 1 } });
    a.events.emit({ type: 'run.step', runId: 9, epoch: 1, step: 2, metrics: { loss: 1 } });
    expect(b.changes.poll()).toBe(0); // not written yet
    a.events.emit({ type: 'run.epoch', runId: 9, epoch: 1, seconds: 1, itemsPerSecond: 1, metrics: {}, sampleHash: null });
    expect(b.changes.poll()).toBe(3);
    expect(seen.map((x) => x.e.type)).toEqual(['run.step', 'run.step', 'run.epoch']);
    a.events.emit({ type: 'run.step', runId: 9, epoch: 2, step: 3, metrics: { loss: 1 } });
    await expect.poll(() => b.changes.poll(), { timeout: 1000, interval: 20 }).toBe(1); // the batch timer writes it
  });

  it('keeps the log bounded', () => {
    for (let i = 0; i < FEED_KEEP + 600; i++) a.events.emit({ type: 'run.step', runId: 1, epoch: 1, step: i, metrics: { loss: 1 } });
    a.changes.flush(); // steps are written in batches
    const n = (a.catalog.db.prepare('SELECT COUNT(*) AS n FROM change_log').get() as { n: number }).n;
    expect(n).toBeLessThanOrEqual(FEED_KEEP + 250);
    expect(n).toBeGreaterThanOrEqual(FEED_KEEP);
    // a reader catching up reads across batches and delivers the newest rows in order
    const seen = record(b);
    b.changes.poll();
    const steps = seen.filter((s) => s.e.type === 'run.step').map((s) => (s.e as { step: number }).step);
    expect(steps.at(-1)).toBe(FEED_KEEP + 599);
    expect(steps).toEqual([...steps].sort((x, y) => x - y));
  });
});
