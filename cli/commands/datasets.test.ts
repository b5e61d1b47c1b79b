import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { makeUrmpFixture, tempDir } from '../../core/datasets/testFixtures';

const run = promisify(execFile);
const BIN = new URL('../../bin/avstudio.mjs', import.meta.url).pathname;
let home: string;

async function cli(...args: string[]): Promise<{ code: number; out: unknown; stdout: string; stderr: string }> {
  try {
    const r = await run(process.execPath, [BIN, ...args, '--home', home], { env: { ...process.env, AVSTUDIO_HOME: home } });
    return { code: 0, out: args.includes('--json') ? JSON.parse(r.stdout) : null, stdout: r.stdout, stderr: r.stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, out: args.includes('--json') && e.stdout ? JSON.parse(e.stdout) : null, stdout: e.stdout, stderr: e.stderr };
  }
}

beforeAll(() => {
  home = tempDir('cli-home-');
});

describe('avstudio dataset commands', () => {
  it('ingest urmp → datasets show → pairs → pair/undo → snapshot → export', async () => {
    const root = makeUrmpFixture().root;
    const ing = await cli('ingest', 'urmp', root, '--name', 'u', '--seed', '5', '--json');
    expect(ing.code).toBe(0);
    expect(ing.out).toMatchObject({ added: 102, dataset: { name: 'u', pairCount: 102 } });

    const show = await cli('datasets', 'show', 'u');
    expect(show.stdout).toMatch(/vn\s+20\s+26\s+7430\s+945/);
    expect(show.stdout).toMatch(/missing video/);

    const pairs = (await cli('pairs', 'u', '--instrument', 'fl', '--split', 'train', '--limit', '2', '--json')).out as { total: number; items: Array<{ id: number; startS: number }> };
    expect(pairs.total).toBe(30);
    expect(pairs.items.map((p) => p.startS)).toEqual([0, 0.1]);
    const id = String(pairs.items[1].id);

    expect((await cli('pair', id, 'move', '0.25', '--json')).out).toMatchObject({ startS: 0.25, frameS: 0.25 });
    expect((await cli('pair', id, 'bogus')).code).toBe(2);
    expect((await cli('undo', id, '--json')).out).toMatchObject({ undone: [{ field: 'window' }] });
    expect((await cli('snapshot', 'u', '--json')).out).toMatchObject({ pairCount: 102 });

    // --accepted-only keeps the export small: nothing accepted yet, then one pair
    const out = tempDir('cli-export-');
    const ex = await cli('export', 'u', '--layout', 'sub-urmp', '--out', out, '--accepted-only', '--json');
    expect(ex.out).toMatchObject({ written: 0 });
    await cli('pair', id, 'accept');
    const ex2 = await cli('export', 'u', '--layout', 'sub-urmp', '--out', out, '--accepted-only', '--json');
    expect(ex2.out).toMatchObject({ written: 1 });
    expect(existsSync(join(out, 'Sub-URMP', 'img', 'train', 'flute'))).toBe(true);
    expect((await cli('export', 'u', '--layout', 'other', '--out', out)).code).toBe(2);
  }, 120_000);
});
