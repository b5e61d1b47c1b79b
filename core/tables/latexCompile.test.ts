// The LaTeX export of Tables 1, 2, 3, 5 and Fig. 8, built from a real catalog whose names carry the
// characters pdflatex rejects or mangles (Γ, α, §, —, straight quotes, _ % & #, accents), compiled with
// pdflatex + booktabs where installed (Debian texlive-latex-base + texlive-latex-recommended; .ci/run
// installs them). Also: best values bold, Fig. 8 on the newest complete session by default, Table 3
// only from an INIS dataset.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStudio, type StudioContext } from '../studio/context';
import { createDataset } from '../catalog/datasetsRepo';
import { insertPairs } from '../catalog/pairsRepo';
import { upsertSource } from '../catalog/sourcesRepo';
import { createSnapshot } from '../datasets/snapshots';
import { resolveRunConfig, type ModelKind } from '../runs/runConfig';
import { addEvaluations, createRun, setRunStatus } from '../runs/runsRepo';
import { buildTable } from './buildTable';
import { latexEscape, renderLatex } from './latex';
import type { TableId } from './tableModel';

const hasPdflatex = (() => {
  try {
    execFileSync('pdflatex', ['--version'], { stdio: 'ignore' });
    execFileSync('kpsewhich', ['booktabs.sty'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

let dir: string;
let ctx: StudioContext;
const NASTY = 'Émile\'s "best" set — §4 Γ/α 50% R&D_#1 --x';

function dataset(name: string, kind: string, instruments: string[]): number {
  const id = createDataset(ctx.catalog, { name, kind });
  const pairs = instruments.flatMap((instrument, k) => {
    const audio = upsertSource(ctx.catalog, { hash: `${name}-${k}`, kind: 'audio', path: '/dev/null', originalName: `${k}.wav`, bytes: 1 });
    return [0, 1, 2].map((j) => ({ pairKey: `${instrument}-${j}`, instrument, split: (j === 2 ? 'test' : 'train') as 'train' | 'test', audioSourceId: audio, startS: j * 0.5 }));
  });
  insertPairs(ctx.catalog, id, pairs);
  return id;
}

function doneRun(model: ModelKind, datasetId: number, snapshotId: number, extra: Partial<Parameters<typeof resolveRunConfig>[0]> = {}): number {
  const id = createRun(ctx.catalog, resolveRunConfig({ model, preset: 'tiny', datasetId, snapshotId, epochs: 10, ...extra }));
  setRunStatus(ctx.catalog, id, 'done');
  return id;
}

function session(name: string, complete: boolean): number {
  const db = ctx.catalog.db;
  const sid = Number(db.prepare("INSERT INTO humaneval_sessions (name, rubric, config, created_at) VALUES (?, 'table4', '{}', 'now')").run(name).lastInsertRowid);
  const items = [['vc', 's2i-c'], ['vc', 's2i-a'], ['vc', 'ground-truth'], ['fl', 's2i-c'], ['fl', 's2i-a'], ['fl', 'ground-truth']].map(([inst, m], k) =>
    Number(db.prepare("INSERT INTO humaneval_items (session_id, set_index, instrument, method, blob_hash) VALUES (?, ?, ?, ?, 'h')").run(sid, k % 3, inst, m).lastInsertRowid),
  );
  for (const [r, rater] of ['ann', 'bo'].entries()) {
    const rid = Number(db.prepare('INSERT INTO humaneval_raters (session_id, name, token, seed) VALUES (?, ?, ?, 1)').run(sid, rater, `${sid}-${rater}`).lastInsertRowid);
    const upto = complete ? items.length : 2;
    items.slice(0, upto).forEach((it, k) => db.prepare("INSERT INTO humaneval_scores (rater_id, item_id, score, position, at) VALUES (?, ?, ?, ?, 'now')").run(rid, it, (k + r) % 4, k));
  }
  return sid;
}

let completeSession: number;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'avstudio-latex-'));
  ctx = openStudio(dir);
  const sub = dataset(NASTY, 'sub-urmp', ['vc', 'fl', 'tpt']);
  dataset('INIS "é" — § test', 'inis', ['accordion', 'baby_crying']);
  const snap = createSnapshot(ctx.catalog, sub).id;
  // Table 1: two representations at 3 and 4 conv layers
  for (const [rep, depth, v] of [['lms', 4, 0.84], ['lms', 3, 0.8], ['mfcc', 3, 0.82], ['mfcc', 4, 0.7]] as const) {
    const id = doneRun('sound-clf', sub, snap, { representation: rep, soundConvLayers: depth });
    addEvaluations(ctx.catalog, id, [{ epoch: 10, kind: 'classifier_accuracy', split: 'test', instrument: '', value: v, n: 9, evaluatorRunId: null }]);
  }
  // Table 5 / Fig. 9: the three S2I variants scored by one Γ
  const gammaRun = doneRun('image-clf', sub, snap);
  for (const [model, train, test] of [['s2i-c', 0.8, 0.7], ['s2i-a', 0.6, 0.5], ['s2i-n', 0.2, 0.1]] as const) {
    const id = doneRun(model, sub, snap, { evaluatorRunId: gammaRun });
    for (const epoch of [5, 10]) {
      addEvaluations(ctx.catalog, id, (['train', 'test'] as const).flatMap((split) => [
        { epoch, kind: 'gamma_accuracy', split, instrument: '', value: (split === 'train' ? train : test) * (epoch / 10), n: 9, evaluatorRunId: gammaRun },
        { epoch, kind: 'gamma_accuracy', split, instrument: 'vc', value: (split === 'train' ? train : test) / 2, n: 3, evaluatorRunId: gammaRun },
      ]));
    }
  }
  completeSession = session('pilot "α" — §5.2.1', true);
  session('newer but blind', false);
});

afterAll(() => {
  ctx.close();
  rmSync(dir, { recursive: true, force: true });
});

const EXPORTS: Array<{ table: TableId; dataset?: string }> = [
  { table: 'table1' },
  { table: 'table2', dataset: NASTY },
  { table: 'table3', dataset: 'INIS "é" — § test' },
  { table: 'table5' },
  { table: 'fig8' },
];

describe('LaTeX export', () => {
  it('is plain ASCII: Greek as math, § as \\S, dashes, `` quotes \'\', accents, escapes', () => {
    expect(latexEscape('Γ accuracy — §5.2 "best" α–β')).toBe("$\\Gamma$ accuracy --- \\S{}5.2 ``best'' $\\alpha$--$\\beta$");
    expect(latexEscape('Émile: --session 3×4 ≥ 2')).toBe("\\'{E}mile: -{}-session 3$\\times$4 $\\ge$ 2");
    expect(latexEscape('漢')).toBe('[U+6F22]');
    for (const e of EXPORTS) {
      const tex = renderLatex(buildTable(ctx, { ...e, paper: true }));
      expect(tex, e.table).toMatch(/^[\x20-\x7e\n]*$/);
    }
  });

  it('sets the best values in bold', () => {
    const t5 = renderLatex(buildTable(ctx, { table: 'table5', paper: true }));
    expect(t5).toMatch(/Training set & \\textbf\{80\.00\\%\} & 60\.00\\% & 20\.00\\%/);
    const t1 = buildTable(ctx, { table: 'table1' });
    expect(t1.rows.find((r) => r.key === 'mfcc')?.cells[1].best).toBe(true);
    expect(t1.rows.find((r) => r.key === 'lms')?.cells[2].best).toBe(true);
    expect(t1.rows.find((r) => r.key === 'lms')?.cells[1].best).toBeUndefined();
  });

  it('Fig. 8 without a session shows the newest complete one; Table 3 refuses a non-INIS dataset; Fig. 9 has every S2I variant', () => {
    const f8 = buildTable(ctx, { table: 'fig8' });
    expect(f8.caption).toContain('pilot "α" — §5.2.1');
    expect(f8.rows[0].cells[1].provenance?.sessionId).toBe(completeSession);
    expect(() => buildTable(ctx, { table: 'table3', dataset: NASTY })).toThrow(/INIS dataset; .* is a sub-urmp dataset/);
    const f9 = buildTable(ctx, { table: 'fig9' });
    expect(f9.figure?.kind === 'line' && f9.figure.series.map((s) => s.label.split(' ')[2])).toEqual(['S2I-C', 'S2I-C', 'S2I-A', 'S2I-A', 'S2I-N', 'S2I-N']);
  });

  it.skipIf(!hasPdflatex)('Tables 1, 2, 3, 5 and Fig. 8 compile with pdflatex + booktabs', () => {
    for (const e of EXPORTS) {
      const tex = renderLatex(buildTable(ctx, { ...e, paper: true }));
      const file = join(dir, `${e.table}.tex`);
      writeFileSync(file, `\\documentclass{article}\n\\usepackage{booktabs}\n\\usepackage[margin=1cm,landscape]{geometry}\n\\begin{document}\n${tex}\\end{document}\n`);
      const r = spawnSync('pdflatex', ['-halt-on-error', '-interaction=nonstopmode', '-no-shell-escape', `-output-directory=${dir}`, file], { encoding: 'utf8', timeout: 30_000 });
      expect(r.status, `${e.table}:\n${r.stdout.split('\n').filter((l) => l.startsWith('!') || l.startsWith('l.')).join('\n')}`).toBe(0);
      expect(r.stdout).toMatch(/Output written on .*\(1 page/);
      expect(r.stdout).not.toMatch(/Missing character/);
    }
  });
});
