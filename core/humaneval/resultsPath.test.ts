// One human-evaluation results path: before scoring is complete no path (the API's humaneval.results,
// tables.build / tables.export of Fig. 8 in every format, the CLI's `humaneval results` and `table
// fig8`, the events) lets out anything but progress; forcing is recorded in the session; once
// complete, every path gives the same Fig. 8 numbers (n, mean, std, CI, histogram, per instrument).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { callOrThrow, dispatch } from '../api/dispatch';
import type { StudioEvent } from '../contract/api';
import type { HumanEvalResults, HumanEvalSession } from '../contract/humanEvalContract';
import { handlers } from '../api/handlers';
import { openStudio } from '../studio/context';
import { createSession, getSession, raterState } from '.';
import { fakeStudio, type FakeStudio } from './testFixtures';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
let f: FakeStudio;
let s: HumanEvalSession;
const events: StudioEvent[] = [];

beforeAll(async () => {
  f = await fakeStudio();
  f.ctx.events.on((e) => events.push(e));
  s = await createSession(f.ctx, { sets: 2, raters: ['ana', 'ben'], seed: 5, instruments: ['cl', 'vn'] }, { generate: f.generate });
}, 60_000);
afterAll(() => {
  f.ctx.close();
  rmSync(f.ctx.home.root, { recursive: true, force: true });
});

function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [join(ROOT, 'bin/avstudio.mjs'), ...args, '--home', f.ctx.home.root], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (c) => (out += String(c)));
    p.stderr.on('data', (c) => (err += String(c)));
    p.on('exit', (code) => resolve({ code: code ?? -1, out, err }));
  });
}

/** A result table's method rows as the numbers the Human-eval screen shows. */
type Fig8Cells = { rows: Array<{ key: string; cells: Array<{ value: unknown }> }> };
function fromTable(t: Fig8Cells) {
  return t.rows
    .filter((r) => r.key !== 'alpha')
    .map((r) => {
      const v = r.cells.map((c) => c.value as number | null);
      return { key: r.key, n: v[1], mean: v[2], std: v[3], ci: v[4] === null ? null : [v[4], v[5]], histogram: v.slice(6, 10) };
    });
}
function fromResults(r: HumanEvalResults) {
  const methods = r.methods.filter((m) => m.n > 0);
  return [
    ...methods.map((m) => ({ key: m.method, n: m.n, mean: m.mean, std: m.std, ci: m.ci, histogram: m.histogram })),
    ...methods.flatMap((m) => m.byInstrument.filter((x) => x.n > 0).map((x) => ({ key: `${m.method}:${x.instrument}`, n: x.n, mean: x.mean, std: x.std, ci: x.ci, histogram: x.histogram }))),
  ];
}

const score = (rater: string, count: number, value: (i: number) => number) => {
  const r = getSession(f.ctx.catalog, s.id).raters.find((x) => x.name === rater)!;
  const items = raterState(f.ctx.catalog, r.token).items.filter((it) => it.score === null).slice(0, count);
  return Promise.all(items.map((it, i) => callOrThrow(handlers, f.ctx, 'humaneval.rater.score', { token: r.token, itemId: it.itemId, score: value(it.itemId + i) })));
};

describe('one human-evaluation results path', () => {
  it('shows nothing but progress anywhere before scoring is complete', async () => {
    await score('ana', 1, () => 3);
    const forbidden = /mean|std|S2I-C|s2i-c|ground|3\.00|histogram/i;
    const blind = async (method: 'humaneval.results' | 'tables.build' | 'tables.export', input: object) => {
      const r = await dispatch(handlers, f.ctx, method, input);
      expect(r.ok).toBe(false);
      if (r.ok) return;
      expect(r.error.kind).toBe('conflict');
      expect(r.error.message).toMatch(/still blind.*ana 1\/\d+, ben 0\/\d+/);
      expect(r.error.message).not.toMatch(forbidden);
    };
    await blind('humaneval.results', { id: s.id });
    await blind('tables.build', { table: 'fig8', session: s.id });
    for (const format of ['csv', 'md', 'latex', 'json', 'svg', 'png'] as const) await blind('tables.export', { table: 'fig8', session: s.id, format, paper: true });
    for (const args of [['humaneval', 'results', String(s.id)], ['table', 'fig8', '--session', String(s.id), '--format', 'csv'], ['table', 'fig8', '--session', String(s.id), '--json']]) {
      const r = await cli(args);
      expect(r.code, args.join(' ')).not.toBe(0);
      expect(r.err).toMatch(/still blind/);
      expect(r.out + r.err).not.toMatch(forbidden);
    }
    // what every process hears of a score: the rater's progress, never the method or the value
    const heard = events.filter((e) => e.type === 'humaneval.changed');
    expect(heard.at(-1)).toEqual({ type: 'humaneval.changed', sessionId: s.id, scored: 1, total: s.itemCount });
    expect(getSession(f.ctx.catalog, s.id).resultsForcedAt).toBeNull();
  }, 60_000);

  it('records the experimenter forcing results, after which every path shows them marked incomplete', async () => {
    const forced = await callOrThrow(handlers, f.ctx, 'humaneval.results', { id: s.id, force: true });
    expect(forced.complete).toBe(false);
    const at = getSession(f.ctx.catalog, s.id).resultsForcedAt;
    expect(at).toMatch(/^\d{4}-/);
    expect(forced.forcedAt).toBe(at);
    expect(events.at(-1)).toEqual({ type: 'humaneval.changed', sessionId: s.id });
    // another process sees the recorded choice: no --force needed there
    const other = openStudio(f.ctx.home.root);
    try {
      const t = await callOrThrow(handlers, other, 'tables.build', { table: 'fig8', session: s.id });
      expect(t.notes.join(' ')).toMatch(/INCOMPLETE.*forced/);
      expect(fromTable(t)).toEqual(fromResults(forced));
    } finally {
      other.close();
    }
  });

  it('gives identical Fig. 8 numbers on the screen, the tables, every export and the CLI once complete', async () => {
    await score('ana', 1000, (k) => k % 4);
    await score('ben', 1000, (k) => (k * 7) % 4);
    const res = await callOrThrow(handlers, f.ctx, 'humaneval.results', { id: s.id });
    expect(res.complete).toBe(true);
    expect(res.forcedAt).toBeNull();
    const want = fromResults(res);
    expect(want.some((w) => w.ci !== null && w.ci[0] !== w.ci[1])).toBe(true); // a real CI to compare
    const built = await callOrThrow(handlers, f.ctx, 'tables.build', { table: 'fig8', session: s.id, paper: true });
    expect(fromTable(built)).toEqual(want);
    const exported = await callOrThrow(handlers, f.ctx, 'tables.export', { table: 'fig8', session: s.id, format: 'json' });
    expect(fromTable(JSON.parse(exported.text!) as Fig8Cells)).toEqual(want);
    const csv = await callOrThrow(handlers, f.ctx, 'tables.export', { table: 'fig8', session: s.id, format: 'csv' });
    for (const w of want.filter((x) => x.ci)) expect(csv.text).toContain(`,${w.mean},${w.std},${w.ci![0]},${w.ci![1]},${w.histogram.join(',')}`);
    const [cliResults, cliTable] = await Promise.all([cli(['humaneval', 'results', String(s.id), '--json']), cli(['table', 'fig8', '--session', String(s.id), '--json'])]);
    expect(cliResults.code, cliResults.err).toBe(0);
    expect(fromResults(JSON.parse(cliResults.out) as HumanEvalResults)).toEqual(want);
    expect(fromTable(JSON.parse(cliTable.out) as Fig8Cells)).toEqual(want);
  }, 60_000);
});
