import { execFile } from 'node:child_process';
import { rmSync } from 'node:fs';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSession, raterState, saveScore } from '../../core/humaneval';
import { fakeStudio } from '../../core/humaneval/testFixtures';

const run = promisify(execFile);
const BIN = new URL('../../bin/avstudio.mjs', import.meta.url).pathname;
let home: string;
let sessionId: number;

async function cli(...args: string[]): Promise<{ code: number; out: unknown; stdout: string }> {
  try {
    const r = await run(process.execPath, [BIN, ...args, '--home', home]);
    return { code: 0, out: args.includes('--json') ? JSON.parse(r.stdout) : null, stdout: r.stdout };
  } catch (err) {
    const e = err as { code: number; stdout: string };
    return { code: e.code, out: args.includes('--json') && e.stdout ? JSON.parse(e.stdout) : null, stdout: e.stdout };
  }
}

beforeAll(async () => {
  const f = await fakeStudio();
  home = f.ctx.home.root;
  const s = await createSession(f.ctx, { sets: 1, raters: ['ann', 'ben'], seed: 2, instruments: ['cl'] }, { generate: f.generate });
  sessionId = s.id;
  for (const it of raterState(f.ctx.catalog, s.raters[0].token).items) saveScore(f.ctx.catalog, { token: s.raters[0].token, itemId: it.itemId, score: 2 });
  f.ctx.close();
}, 60_000);
afterAll(() => rmSync(home, { recursive: true, force: true }));

describe('avstudio humaneval', () => {
  it('lists sessions with rater links on the given base URL', async () => {
    const r = await cli('humaneval', 'list', '--base-url', 'http://10.0.0.5:4780/', '--json');
    expect(r.code).toBe(0);
    const [s] = r.out as Array<{ id: number; complete: boolean; raters: Array<{ name: string; url: string; scored: number; total: number }> }>;
    expect(s).toMatchObject({ id: sessionId, complete: false });
    expect(s.raters.map((x) => [x.name, x.scored, x.total])).toEqual([['ann', 4, 4], ['ben', 0, 4]]);
    expect(s.raters[0].url).toMatch(/^http:\/\/10\.0\.0\.5:4780\/rate\/[\w-]+\/$/);
  });

  it('keeps results blind until complete unless forced', async () => {
    const blind = await cli('humaneval', 'results', String(sessionId), '--json');
    expect(blind.code).toBe(2);
    expect(blind.out).toMatchObject({ error: { kind: 'conflict' } });
    expect(JSON.stringify(blind.out)).not.toMatch(/s2i/);
    const forced = await cli('humaneval', 'results', String(sessionId), '--force', '--json');
    expect(forced.code).toBe(0);
    const res = forced.out as { raterCount: number; methods: Array<{ method: string; n: number; mean: number; histogram: number[] }> };
    expect(res.raterCount).toBe(2);
    expect(res.methods.map((m) => [m.method, m.n, m.mean, m.histogram])).toEqual([
      ['s2i-c', 1, 2, [0, 0, 1, 0]],
      ['s2i-n', 1, 2, [0, 0, 1, 0]],
      ['s2i-a', 1, 2, [0, 0, 1, 0]],
      ['ground-truth', 1, 2, [0, 0, 1, 0]],
    ]);
    const text = await cli('humaneval', 'results', String(sessionId), '--force');
    expect(text.stdout).toContain('INCOMPLETE');
    expect(text.stdout).toMatch(/s2i-c\s+\d+\s+1\s+2\.00/);
  });
});
