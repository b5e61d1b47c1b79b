// Table builders on catalog rows inserted by hand (no training): provenance, paper columns, the
// statistics of Fig. 8, and the errors that name the run and what it lacks.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStudio, type StudioContext } from '../studio/context';
import { createDataset } from '../catalog/datasetsRepo';
import { insertPairs } from '../catalog/pairsRepo';
import { upsertSource } from '../catalog/sourcesRepo';
import { createSnapshot } from '../datasets/snapshots';
import { AvError } from '../errors';
import { resolveRunConfig, type ModelKind } from '../runs/runConfig';
import { addEvaluations, createRun, setRunStatus, type EvaluationPoint } from '../runs/runsRepo';
import { buildTable } from './buildTable';
import { renderText } from './render';

let dir: string;
let ctx: StudioContext;
let ds: number;
let other: number;
let snap: number;
let otherSnap: number;

function dataset(name: string, kind: string): number {
  const id = createDataset(ctx.catalog, { name, kind });
  const audio = upsertSource(ctx.catalog, { hash: `${name}-a`, kind: 'audio', path: '/dev/null', originalName: 'a.wav', bytes: 1 });
  const audio2 = upsertSource(ctx.catalog, { hash: `${name}-b`, kind: 'audio', path: '/dev/null', originalName: 'b.wav', bytes: 1 });
  insertPairs(ctx.catalog, id, [
    { pairKey: 'p1', instrument: 'vc', split: 'train', audioSourceId: audio, startS: 0 },
    { pairKey: 'p2', instrument: 'vc', split: 'train', audioSourceId: audio, startS: 0.1 },
    { pairKey: 'p3', instrument: 'vc', split: 'test', audioSourceId: audio2, startS: 0 },
    { pairKey: 'p4', instrument: 'fl', split: 'train', audioSourceId: audio2, startS: 0.2, state: 'rejected' },
    { pairKey: 'p5', instrument: 'fl', split: 'test', audioSourceId: audio2, startS: 0.3 },
  ]);
  return id;
}

function run(model: ModelKind, datasetId: number, snapshotId: number, extra: Partial<Parameters<typeof resolveRunConfig>[0]> = {}): number {
  return createRun(ctx.catalog, resolveRunConfig({ model, preset: 'tiny', datasetId, snapshotId, epochs: 10, ...extra }));
}

function gamma(runId: number, epoch: number, train: number, test: number, evaluator: number): void {
  const pts: EvaluationPoint[] = [];
  for (const [split, v] of [['train', train], ['test', test]] as const) {
    pts.push({ epoch, kind: 'gamma_accuracy', split, instrument: '', value: v, n: 20, evaluatorRunId: evaluator });
    pts.push({ epoch, kind: 'gamma_accuracy', split, instrument: 'vc', value: v / 2, n: 10, evaluatorRunId: evaluator });
  }
  addEvaluations(ctx.catalog, runId, pts);
}

const errorOf = (fn: () => unknown): AvError => {
  try {
    fn();
  } catch (e) {
    return e as AvError;
  }
  throw new Error('expected an error');
};

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'avstudio-tables-'));
  ctx = openStudio(dir);
  ds = dataset('suburmp', 'sub-urmp');
  other = dataset('inis', 'inis');
  snap = createSnapshot(ctx.catalog, ds).id;
  otherSnap = createSnapshot(ctx.catalog, other).id;
});
afterAll(() => {
  ctx.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('run tables', () => {
  it('Table 5 and Fig. 9 cells point back to their runs, epochs and splits', () => {
    const gammaRun = run('image-clf', ds, snap);
    const c = run('s2i-c', ds, snap, { evaluatorRunId: gammaRun });
    const n = run('s2i-n', ds, snap, { evaluatorRunId: gammaRun });
    gamma(c, 5, 0.6, 0.5, gammaRun);
    gamma(c, 10, 0.8, 0.7, gammaRun);
    gamma(n, 10, 0.2, 0.1, gammaRun);
    const t5 = buildTable(ctx, { table: 'table5', runs: [n, c], paper: true });
    expect(t5.columns.map((col) => col.label)).toEqual(['Set', `S2I-C (run ${c}, tiny, epoch 10)`, `S2I-N (run ${n}, tiny, epoch 10)`, 'S2I-C (paper)', 'S2I-N (paper)']);
    expect(t5.rows[0].cells.map((x) => x.display)).toEqual(['Training set', '80.00%', '20.00%', '87.37%', '12.62%']);
    expect(t5.rows[1].cells.map((x) => x.display)).toEqual(['Testing set', '70.00%', '10.00%', '75.56%', '12.32%']);
    expect(t5.rows[1].cells[1].provenance).toMatchObject({ source: 'runs', runIds: [c], epoch: 10, split: 'test', kind: 'gamma_accuracy', evaluatorRunIds: [gammaRun] });
    expect(t5.rows.find((r) => r.key === 'test:vc')?.cells[1].value).toBeCloseTo(0.35);
    expect(t5.rows[0].cells[3].provenance?.source).toBe('paper');
    // an explicit epoch
    const at5 = buildTable(ctx, { table: 'table5', runs: [c], epoch: 5 });
    expect(at5.rows[0].cells[1].value).toBe(0.6);
    expect(errorOf(() => buildTable(ctx, { table: 'table5', runs: [n], epoch: 5 })).message).toMatch(`run ${n} has no gamma_accuracy evaluation at epoch 5 (evaluated epochs: 10)`);

    const f9 = buildTable(ctx, { table: 'fig9', runs: [c] });
    expect(f9.rows.map((r) => r.cells[0].value)).toEqual([5, 10]);
    expect(f9.rows[0].cells[2].provenance).toMatchObject({ runIds: [c], epoch: 5, split: 'test' });
    expect(f9.figure?.kind).toBe('line');
    expect(renderText(f9, 'svg')).toContain('<polyline');
    const md = renderText(t5, 'md');
    expect(md).toContain('| Training set');
  });

  it('names the missing, unfinished, wrong-model and other-dataset runs instead of a partial table', () => {
    const fresh = run('s2i-a', ds, snap);
    setRunStatus(ctx.catalog, fresh, 'running');
    const elsewhere = run('s2i-c', other, otherSnap);
    gamma(elsewhere, 10, 0.5, 0.5, 1);
    const clf = run('sound-clf', ds, snap);
    const missing = errorOf(() => buildTable(ctx, { table: 'table5', runs: [9999] }));
    expect(missing.kind).toBe('not_found');
    expect(missing.message).toBe('table5: run 9999 does not exist');
    const unfinished = errorOf(() => buildTable(ctx, { table: 'table5', runs: [fresh], dataset: 'suburmp' }));
    expect(unfinished.kind).toBe('conflict');
    expect(unfinished.message).toBe(`table5: run ${fresh} (s2i-a, running, epoch 0/10) has no gamma_accuracy evaluations yet: let it finish, or run \`avstudio eval ${fresh}\``);
    const wrongDs = errorOf(() => buildTable(ctx, { table: 'table5', runs: [elsewhere], dataset: 'suburmp' }));
    expect(wrongDs.kind).toBe('conflict');
    expect(wrongDs.message).toBe(`table5: run ${elsewhere} was trained on dataset ${other}, not ${ds} ("suburmp")`);
    const wrongModel = errorOf(() => buildTable(ctx, { table: 'table5', runs: [clf] }));
    expect(wrongModel.kind).toBe('bad_request');
    expect(wrongModel.message).toMatch(`run ${clf} is a sound-clf run; table5 shows s2i-c, s2i-a, s2i-n runs`);
    expect(errorOf(() => buildTable(ctx, { table: 'i2s', dataset: 'suburmp' })).kind).toBe('not_found');
  });

  it('Table 1 places sound-classifier runs by representation and depth, with the paper columns', () => {
    const a = run('sound-clf', ds, snap, { representation: 'mfcc', soundConvLayers: 3 });
    const b = run('sound-clf', ds, snap, { representation: 'lms', soundConvLayers: 4 });
    for (const [id, v] of [[a, 0.5], [b, 0.75]] as const) {
      setRunStatus(ctx.catalog, id, 'done');
      addEvaluations(ctx.catalog, id, [{ epoch: 10, kind: 'classifier_accuracy', split: 'test', instrument: '', value: v, n: 4, evaluatorRunId: null }]);
    }
    const t1 = buildTable(ctx, { table: 'table1', runs: [a, b], paper: true });
    const row = (rep: string) => t1.rows.find((r) => r.key === rep)?.cells.map((c) => c.display);
    expect(row('mfcc')).toEqual(['MFCC', '50.00%', '—', '80.06%', '81.05%']);
    expect(row('lms')).toEqual(['LMS', '—', '75.00%', '84.12%', '87.44%']);
    expect(t1.rows.find((r) => r.key === 'lms')?.cells[2].provenance).toMatchObject({ runIds: [b], epoch: 10, split: 'test' });
    expect(t1.notes[0]).toMatch(/not trained yet: MS × 3/);
    // a newer small-preset run: only small runs are shown (tiny and small are not averaged)
    const c = run('sound-clf', ds, snap, { representation: 'lms', soundConvLayers: 4, preset: 'small' });
    setRunStatus(ctx.catalog, c, 'done');
    addEvaluations(ctx.catalog, c, [{ epoch: 10, kind: 'classifier_accuracy', split: 'test', instrument: '', value: 0.9, n: 4, evaluatorRunId: null }]);
    const mixed = buildTable(ctx, { table: 'table1', runs: [a, b, c] });
    expect(mixed.rows.find((r) => r.key === 'lms')?.cells.map((x) => x.display)).toEqual(['LMS', '—', '90.00%']);
    expect(mixed.rows.find((r) => r.key === 'mfcc')?.cells.map((x) => x.display)).toEqual(['MFCC', '—', '—']);
    expect(mixed.notes.at(-1)).toBe('runs of the small preset (the newest run\'s); runs of tiny are left out');
  });
});

describe('dataset tables', () => {
  it('Table 2 counts non-rejected pairs per category next to the paper', () => {
    const t2 = buildTable(ctx, { table: 'table2', dataset: 'suburmp', paper: true });
    expect(t2.rows.map((r) => r.cells.map((c) => c.display))).toEqual([
      ['cello', '2', '1', '9,800', '1,030'],
      ['flute', '0', '1', '5,690', '525'],
      ['Total', '2', '2', '71,230', '8,915'],
    ]);
    expect(t2.rows[0].cells[1].provenance).toMatchObject({ source: 'dataset', datasetId: ds, split: 'train', instrument: 'vc' });
    const t3 = buildTable(ctx, { table: 'table3', dataset: 'inis' });
    expect(t3.columns.map((c) => c.label)).toEqual(['Category', 'Recordings', 'Training set', 'Testing set']);
    expect(errorOf(() => buildTable(ctx, { table: 'table2' })).kind).toBe('bad_request');
  });
});

describe('Fig. 8 from a human-evaluation session', () => {
  it('summarises scores per method and instrument with hand-checked statistics and α', () => {
    const db = ctx.catalog.db;
    const sid = Number(db.prepare("INSERT INTO humaneval_sessions (name, rubric, config, created_at) VALUES ('pilot', 'table4', '{}', 'now')").run().lastInsertRowid);
    const item = (set: number, instrument: string, method: string) =>
      Number(db.prepare("INSERT INTO humaneval_items (session_id, set_index, instrument, method, blob_hash) VALUES (?, ?, ?, ?, 'h')").run(sid, set, instrument, method).lastInsertRowid);
    const rater = (name: string) => Number(db.prepare('INSERT INTO humaneval_raters (session_id, name, token, seed) VALUES (?, ?, ?, 1)').run(sid, name, `${sid}-${name}`).lastInsertRowid);
    const score = (r: number, i: number, s: number) => db.prepare("INSERT INTO humaneval_scores (rater_id, item_id, score, position, at) VALUES (?, ?, ?, 0, 'now')").run(r, i, s);
    // four S2I-C items (two cello, two flute) and two ground-truth items, scored by two raters
    const c1 = item(0, 'vc', 's2i-c');
    const c2 = item(1, 'vc', 's2i-c');
    const c3 = item(0, 'fl', 's2i-c');
    const c4 = item(1, 'fl', 's2i-c');
    const g1 = item(0, 'vc', 'ground_truth');
    const g2 = item(0, 'fl', 'ground_truth');
    const r1 = rater('ann');
    const r2 = rater('bob');
    // S2I-C scores: r1 0,1,2,3  r2 1,1,2,3 → n 8: 0,1,1,1,2,2,3,3 mean 13/8 = 1.625
    //   deviations² 2.640625 + 3·0.390625 + 2·0.140625 + 2·1.890625 = 7.875 → std sqrt(7.875/7) = 1.06066
    for (const [it, a, b] of [[c1, 0, 1], [c2, 1, 1], [c3, 2, 2], [c4, 3, 3], [g1, 3, 3], [g2, 2, 3]] as const) {
      score(r1, it, a);
      score(r2, it, b);
    }
    const t = buildTable(ctx, { table: 'fig8', session: sid, paper: true });
    const s2ic = t.rows.find((r) => r.key === 's2i-c')?.cells;
    expect(s2ic?.[0].display).toBe('S2I-C');
    expect(s2ic?.[1].value).toBe(8);
    expect(s2ic?.[2].value).toBeCloseTo(1.625, 10);
    expect(s2ic?.[3].value).toBeCloseTo(Math.sqrt(7.875 / 7), 10);
    const [lo, hi] = [s2ic?.[4].value as number, s2ic?.[5].value as number];
    expect(lo).toBeLessThan(1.625);
    expect(hi).toBeGreaterThan(1.625);
    expect(lo).toBeGreaterThanOrEqual(0.875 - 0.01); // bootstrap means cannot leave [min, max]
    expect(hi).toBeLessThanOrEqual(2.375 + 0.01);
    expect(s2ic?.slice(6, 10).map((c) => c.value)).toEqual([1, 3, 2, 2]);
    expect(s2ic?.[10].display).toBe('1.81');
    const gt = t.rows.find((r) => r.key === 'ground-truth')?.cells;
    expect(gt?.[2].value).toBeCloseTo(11 / 4, 10);
    expect(gt?.[10].display).toBe('2.59');
    const cello = t.rows.find((r) => r.key === 's2i-c:vc')?.cells;
    expect(cello?.[0].display).toBe('S2I-C — cello');
    expect(cello?.[2].value).toBeCloseTo(0.75, 10);
    expect(cello?.[10].display).toBe('1.90');
    // α ordinal by hand over the six items (values 0..3): units (0,1) (1,1) (2,2) (3,3) (3,3) (2,3)
    //   o01 = o10 = 1, o11 = 2, o22 = 2, o33 = 4, o23 = o32 = 1 → n0 1, n1 3, n2 3, n3 5, n 12
    //   δ²01 = (4 − 2)² = 4; δ²23 = (8 − 4)² = 16; δ²02 = (7 − 2)² = 25; δ²03 = (12 − 3)² = 81;
    //   δ²12 = (6 − 3)² = 9; δ²13 = (11 − 4)² = 49
    //   observed Σ o·δ² = 2·4 + 2·16 = 40
    //   expected Σ nc·nk·δ² = 2·(1·3·4 + 1·3·25 + 1·5·81 + 3·3·9 + 3·5·49 + 3·5·16) = 2·1548 = 3096
    //   α = 1 − 11·40 / 3096 = 0.857881…
    const alpha = t.rows.find((r) => r.key === 'alpha')?.cells;
    expect(alpha?.[2].value).toBeCloseTo(1 - 440 / 3096, 10);
    expect(alpha?.[2].provenance).toMatchObject({ source: 'humaneval', sessionId: sid, kind: 'krippendorff_alpha_ordinal' });
    expect(t.figure?.kind).toBe('bars');
    expect(renderText(t, 'svg')).toContain('<rect');
    expect(errorOf(() => buildTable(ctx, { table: 'fig8', session: 9999 })).kind).toBe('not_found');
    const empty = Number(db.prepare("INSERT INTO humaneval_sessions (name, rubric, config, created_at) VALUES ('empty', 'table4', '{}', 'now')").run().lastInsertRowid);
    expect(errorOf(() => buildTable(ctx, { table: 'fig8', session: empty })).message).toMatch(/has no items/);
  });
});
