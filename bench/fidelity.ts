// `npm run bench -- fidelity [--home DIR] [--quick] [--epochs N] [--clf-epochs N] [--gamma-epochs N]
//   [--ae-epochs N] [--table1-epochs N] [--table1-preset small|tiny] [--no-table1] [--seed S] [--fresh] [--concurrency N]`
// Does the studio reproduce the paper's findings? Builds the 5-class fidelity dataset
// (core/datasets/fidelityDataset.ts: ~1,000 training pairs + a test split), trains at the `small`
// preset, through the studio's real run path (catalog, planRun, worker processes, as `avstudio
// train`): the sound classifier, Γ, the stacked autoencoder, then S2I-C, S2I-N and S2I-A, then the
// Table 1 sound classifiers (five representations × 3 and 4 conv layers). Prints Table 5 (Γ accuracy
// on images generated from training and test sounds, with bootstrap 95 % CIs, beside the paper's) and
// the Table 1 ordering, with the wall time of each run, and one JSON line. Runs already done in the
// same home with the same config are reused (say --fresh to retrain), so a second invocation with
// other S2I epochs retrains only the S2I runs. --quick: 250 training pairs and 2 epochs, for a check.
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStudio, type StudioContext } from '../core/studio/context';
import { findDataset } from '../core/catalog/datasetsRepo';
import { createFidelityDataset, FIDELITY_DATASET_NAME } from '../core/datasets/fidelityDataset';
import { materializeDataset } from '../core/datasets/materialize';
import { createSnapshot } from '../core/datasets/snapshots';
import { bootstrapMeanCi } from '../core/evaluation/statistics';
import { EVALUATION_KINDS } from '../core/evaluation/evaluateRun';
import { PAPER_TABLE1, PAPER_TABLE5 } from '../core/evaluation/paperValues';
import { planRun, type LaunchRequest } from '../core/runs/planRun';
import { getRun, listRuns, runEvaluations, runMetrics, setRunStatus, type EvaluationPoint, type RunRow } from '../core/runs/runsRepo';
import { RunSupervisor } from '../core/studio/supervisor';
import type { ModelKind } from '../core/runs/runConfig';
import { renderMarkdown } from '../core/tables/markdown';
import { TABLE1_REPRESENTATIONS } from '../core/tables/runTables';
import { MODEL_LABELS } from '../core/tables/runSources';
import { accuracyCell, assertRectangular, column, paperColumn, percent, provenance, textCell, type ResultTable, type TableRow } from '../core/tables/tableModel';
import { nodeWorkerLauncher } from '../workers/launch';
import { loadTf } from '../core/tf/tfBackend';
import { loadSnapshotData, lmsTensor } from '../core/training/trainingData';
import { loadEncoderRun, predictBatched } from '../core/training/encoders';
import { setSetting } from '../core/catalog/settingsRepo';

const say = (s: string): void => void process.stdout.write(`${s}\n`);
function opt(args: string[], name: string, fallback: string): string {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1] : fallback;
}

interface Planned {
  key: string;
  request: LaunchRequest;
  runId: number;
  reused: boolean;
  wallSeconds: number | null;
}

/** A finished run of the same model, dataset and frozen settings, if there is one. */
function reusable(ctx: StudioContext, req: LaunchRequest, datasetId: number): RunRow | null {
  const same = listRuns(ctx.catalog, { model: req.model, datasetId, status: 'done' }).filter((r) => {
    const c = r.config;
    return c.preset === req.preset && c.epochs === req.epochs && c.seed === req.seed
      && c.representation === (req.representation ?? 'lms') && c.soundConvLayers === (req.soundConvLayers ?? 4)
      && (req.encoderRunId === undefined || c.encoderRunId === req.encoderRunId)
      && (req.evaluatorRunId === undefined || c.evaluatorRunId === req.evaluatorRunId);
  });
  return same.pop() ?? null;
}

/** Per-item correctness (1/0) of one evaluation, rebuilt from its per-instrument counts. */
function itemsOf(evals: EvaluationPoint[], kind: string, epoch: number, split: 'train' | 'test'): number[] {
  const rows = evals.filter((e) => e.kind === kind && e.epoch === epoch && e.split === split && e.instrument !== '');
  return rows.flatMap((e) => {
    const correct = Math.round(e.value * e.n);
    return [...Array<number>(correct).fill(1), ...Array<number>(e.n - correct).fill(0)];
  });
}

interface AccuracyWithCi { value: number; low: number; high: number; n: number }

function accuracyWithCi(items: number[]): AccuracyWithCi | null {
  if (!items.length) return null;
  const ci = bootstrapMeanCi(items);
  return { value: items.reduce((a, b) => a + b, 0) / items.length, low: ci?.low ?? NaN, high: ci?.high ?? NaN, n: items.length };
}

const lastEpochOf = (evals: EvaluationPoint[], kind: string): number => Math.max(...evals.filter((e) => e.kind === kind).map((e) => e.epoch));

/** Table 5 with bootstrap 95 % CIs: Γ accuracy on images generated from training and test sounds. */
export function table5WithCis(ctx: StudioContext, runs: Array<{ model: ModelKind; runId: number }>): { table: ResultTable; figures: Record<string, Record<'train' | 'test', AccuracyWithCi | null>> } {
  const kind = EVALUATION_KINDS.gamma;
  const figures: Record<string, Record<'train' | 'test', AccuracyWithCi | null>> = {};
  const epochs: Record<string, number> = {};
  for (const { model, runId } of runs) {
    const evals = runEvaluations(ctx.catalog, runId);
    const epoch = lastEpochOf(evals, kind);
    epochs[model] = epoch;
    figures[model] = { train: accuracyWithCi(itemsOf(evals, kind, epoch, 'train')), test: accuracyWithCi(itemsOf(evals, kind, epoch, 'test')) };
  }
  const columns = [
    column('set', 'Set', 'left'),
    ...runs.map(({ model, runId }) => column(model, `${MODEL_LABELS[model]} (run ${runId}, epoch ${epochs[model]})`)),
    ...runs.map(({ model }) => paperColumn(`paper_${model}`, MODEL_LABELS[model])),
  ];
  const rows: TableRow[] = (['train', 'test'] as const).map((split) => ({
    key: split,
    cells: [
      textCell(split === 'train' ? 'Training set' : 'Testing set'),
      ...runs.map(({ model, runId }) => {
        const f = figures[model][split];
        const cell = accuracyCell(f?.value ?? null, provenance({ source: 'runs', runIds: [runId], epoch: epochs[model], split, kind, note: f ? `n = ${f.n}, bootstrap 95 % CI` : 'no evaluation' }));
        if (f) cell.display = `${percent(f.value)} [${percent(f.low)}, ${percent(f.high)}]`;
        return cell;
      }),
      ...runs.map(({ model }) => accuracyCell((PAPER_TABLE5 as Record<string, { train: number; test: number }>)[model]?.[split] ?? null, provenance({ source: 'paper', note: 'Table 5' }))),
    ],
  }));
  return {
    table: assertRectangular({
      id: 'table5', title: 'Table 5 (fidelity run): Γ accuracy on generated images, bootstrap 95 % CI',
      caption: 'Accuracy of Γ on one generated image per pair (one noise draw), at the last evaluated epoch.', columns, rows, notes: [], figure: null,
    }),
    figures,
  };
}

/** Table 1: sound-classifier test accuracy per representation and depth, and the ordering of the representations. */
export function table1Ordering(ctx: StudioContext, runIds: Record<string, number>): { table: ResultTable; ours: Record<number, string[]>; paper: Record<number, string[]>; acc: Record<string, AccuracyWithCi | null> } {
  const kind = EVALUATION_KINDS.classifier;
  const acc: Record<string, AccuracyWithCi | null> = {};
  for (const [key, runId] of Object.entries(runIds)) {
    const evals = runEvaluations(ctx.catalog, runId);
    acc[key] = evals.some((e) => e.kind === kind) ? accuracyWithCi(itemsOf(evals, kind, lastEpochOf(evals, kind), 'test')) : null;
  }
  const depths = [3, 4] as const;
  const order = (values: (rep: string) => number | null) => [...TABLE1_REPRESENTATIONS].filter((r) => values(r) !== null).sort((a, b) => (values(b) as number) - (values(a) as number));
  const ours = Object.fromEntries(depths.map((d) => [d, order((r) => acc[`${r}/${d}`]?.value ?? null)])) as Record<number, string[]>;
  const paper = Object.fromEntries(depths.map((d) => [d, order((r) => PAPER_TABLE1[d][r as keyof (typeof PAPER_TABLE1)[3]])])) as Record<number, string[]>;
  const rows: TableRow[] = TABLE1_REPRESENTATIONS.map((rep) => ({
    key: rep,
    cells: [
      textCell(rep.toUpperCase()),
      ...depths.map((d) => {
        const f = acc[`${rep}/${d}`];
        const cell = accuracyCell(f?.value ?? null, provenance({ source: 'runs', runIds: runIds[`${rep}/${d}`] ? [runIds[`${rep}/${d}`]] : [], split: 'test', kind }));
        if (f) cell.display = `${percent(f.value)} [${percent(f.low)}, ${percent(f.high)}]`;
        return cell;
      }),
      ...depths.map((d) => accuracyCell(PAPER_TABLE1[d][rep], provenance({ source: 'paper', note: 'Table 1' }))),
    ],
  }));
  return {
    table: assertRectangular({
      id: 'table1', title: 'Table 1 (fidelity run): sound-classifier test accuracy, bootstrap 95 % CI',
      caption: 'Five representations × 3 and 4 conv layers.',
      columns: [column('rep', 'Representation', 'left'), ...depths.map((d) => column(`ours_${d}`, `${d} conv layers`)), ...depths.map((d) => paperColumn(`paper_${d}`, `${d} conv layers`))],
      rows, notes: [], figure: null,
    }),
    ours,
    paper,
    acc,
  };
}

/**
 * How much class information a sound encoding carries (the paper's explanation of S2I-A, §5.2): the
 * 128-d embeddings of the training and test sounds, standardised per dimension on the training
 * split; nearest-class-centroid accuracy on the test sounds, and the share of the variance that lies
 * between class means (1 = the classes are points, 0 = no class structure).
 */
export async function encodingSeparability(ctx: StudioContext, encoderRunId: number): Promise<{ nearestCentroidTest: number; betweenClassVariance: number }> {
  const { tf } = await loadTf();
  const config = getRun(ctx.catalog, encoderRunId).config;
  const data = await loadSnapshotData(ctx.catalog, ctx.blobs, config.snapshotId, config.datasetId);
  const enc = await loadEncoderRun(tf, ctx.catalog, ctx.home.runsDir, encoderRunId, ['sound-clf', 'autoencoder']);
  try {
    const shape = (enc.input as { shape: readonly [number, number] }).shape;
    const embed = (lms: Float32Array[]): Float32Array[] => {
      const x = lmsTensor(tf, lms, shape);
      const e = predictBatched(tf, enc.embedding, x);
      const v = e.dataSync() as Float32Array;
      const d = e.shape[1] as number;
      x.dispose();
      e.dispose();
      return Array.from({ length: lms.length }, (_, i) => v.slice(i * d, (i + 1) * d));
    };
    const train = embed(data.train.lms);
    const test = embed(data.test.lms);
    const d = train[0].length;
    const mu = new Float64Array(d);
    const sd = new Float64Array(d);
    for (const v of train) for (let j = 0; j < d; j++) mu[j] += v[j] / train.length;
    for (const v of train) for (let j = 0; j < d; j++) sd[j] += (v[j] - mu[j]) ** 2 / train.length;
    for (let j = 0; j < d; j++) sd[j] = Math.sqrt(sd[j]) || 1;
    const z = (v: Float32Array) => Float64Array.from(v, (x, j) => (x - mu[j]) / sd[j]);
    const k = data.classes.length;
    const centroids = Array.from({ length: k }, () => new Float64Array(d));
    const counts = new Array<number>(k).fill(0);
    train.forEach((v, i) => {
      const c = data.train.labels[i];
      const zv = z(v);
      counts[c]++;
      for (let j = 0; j < d; j++) centroids[c][j] += zv[j];
    });
    centroids.forEach((c, i) => c.forEach((_, j) => (c[j] /= Math.max(counts[i], 1))));
    let between = 0;
    centroids.forEach((c, i) => c.forEach((x) => (between += (counts[i] / train.length) * x * x)));
    const dist = (a: Float64Array, b: Float64Array) => a.reduce((s, x, j) => s + (x - b[j]) ** 2, 0);
    let correct = 0;
    test.forEach((v, i) => {
      const zv = z(v);
      let best = 0;
      for (let c = 1; c < k; c++) if (dist(zv, centroids[c]) < dist(zv, centroids[best])) best = c;
      if (best === data.test.labels[i]) correct++;
    });
    // total variance of standardised dimensions is d (dimensions with no variance count as 0)
    const live = Array.from(sd).filter((s, j) => s !== 1 || train.some((v) => v[j] !== mu[j])).length;
    return { nearestCentroidTest: correct / Math.max(test.length, 1), betweenClassVariance: between / Math.max(live, 1) };
  } finally {
    enc.dispose();
  }
}

export async function run(args: string[]): Promise<void> {
  const quick = args.includes('--quick');
  const home = opt(args, '--home', join(tmpdir(), quick ? 'avstudio-fidelity-quick' : 'avstudio-fidelity'));
  const ganEpochs = Number(opt(args, '--epochs', quick ? '2' : '20'));
  const clfEpochs = Number(opt(args, '--clf-epochs', quick ? '2' : '8'));
  const gammaEpochs = Number(opt(args, '--gamma-epochs', quick ? '2' : '6'));
  const aeEpochs = Number(opt(args, '--ae-epochs', quick ? '2' : '5'));
  const table1Epochs = Number(opt(args, '--table1-epochs', String(clfEpochs)));
  const seed = Number(opt(args, '--seed', '1'));
  const fresh = args.includes('--fresh');
  const ctx = openStudio(home, 'bench');
  const t0 = performance.now();
  try {
    say(`home ${home}`);
    const name = quick ? `${FIDELITY_DATASET_NAME}-quick` : FIDELITY_DATASET_NAME;
    let dataset = findDataset(ctx.catalog, name);
    let tDataset = 0;
    if (!dataset) {
      const s = performance.now();
      await createFidelityDataset(ctx.catalog, ctx.blobs, name, quick ? { trainTracks: 1, trainImages: 10, testImages: 5 } : {});
      dataset = findDataset(ctx.catalog, name);
      tDataset = (performance.now() - s) / 1000;
    }
    if (!dataset) throw new Error('dataset not created');
    const sMat = performance.now();
    const mat = await materializeDataset(ctx.catalog, ctx.blobs, dataset.id);
    const tMat = (performance.now() - sMat) / 1000;
    const counts = ctx.catalog.db.prepare('SELECT split, COUNT(*) AS n FROM pairs WHERE dataset_id = ? GROUP BY split').all(dataset.id) as Array<{ split: string; n: number }>;
    say(`dataset "${name}": ${counts.map((c) => `${c.n} ${c.split}`).join(', ')} pairs, 5 instruments (made in ${tDataset.toFixed(1)} s; features ${tMat.toFixed(1)} s, ${mat.computed.lms} LMS computed)`);
    const snapshotId = createSnapshot(ctx.catalog, dataset.id).id;
    // runs an interrupted earlier invocation left queued would be worked first: retire them
    for (const status of ['queued', 'interrupted', 'stopped'] as const) {
      for (const r of listRuns(ctx.catalog, { status })) setRunStatus(ctx.catalog, r.id, 'failed', { error: 'left by an earlier fidelity bench that did not finish' });
    }

    const planned: Planned[] = [];
    const plan = (key: string, req: LaunchRequest): number => {
      const old = fresh ? null : reusable(ctx, req, dataset.id);
      const runId = old ? old.id : planRun(ctx.catalog, { ...req, snapshotId }).targetRunId;
      planned.push({ key, request: req, runId, reused: !!old, wallSeconds: null });
      return runId;
    };
    const base = { dataset: dataset.id, preset: 'small' as const, seed };
    const soundClf = plan('sound-clf', { ...base, model: 'sound-clf', epochs: clfEpochs });
    const gamma = plan('image-clf (Γ)', { ...base, model: 'image-clf', epochs: gammaEpochs });
    const ae = plan('autoencoder', { ...base, model: 'autoencoder', epochs: aeEpochs });
    const s2i: Array<{ model: ModelKind; runId: number }> = (['s2i-c', 's2i-n', 's2i-a'] as const).map((model) => ({
      model,
      runId: plan(model, { ...base, model, epochs: ganEpochs, encoderRunId: model === 's2i-a' ? ae : soundClf, evaluatorRunId: gamma }),
    }));
    const table1: Record<string, number> = {};
    // --table1-preset tiny: the Table 1 classifiers at the tiny preset (inputs ≤ 32 rows × 16 frames), when minutes are short
    const table1Preset = opt(args, '--table1-preset', 'small') as 'small' | 'tiny';
    if (!args.includes('--no-table1')) {
      for (const depth of [4, 3] as const) {
        for (const rep of TABLE1_REPRESENTATIONS) {
          table1[`${rep}/${depth}`] = rep === 'lms' && depth === 4 && table1Epochs === clfEpochs && table1Preset === 'small'
            ? soundClf
            : plan(`sound-clf ${rep}/${depth} (${table1Preset})`, { ...base, preset: table1Preset, model: 'sound-clf', epochs: table1Epochs, representation: rep, soundConvLayers: depth });
        }
      }
    }

    // one supervisor works the queue in order, in worker processes (as `avstudio train`)
    // --concurrency N: N runs train at once (runs.concurrency; an S2I run still waits for its encoders)
    setSetting(ctx.catalog, 'runs.concurrency', Number(opt(args, '--concurrency', '2')));
    const supervisor = new RunSupervisor(ctx, nodeWorkerLauncher);
    const started = new Map<number, number>();
    const finished = new Map<number, number>();
    supervisor.onMessage((m) => {
      if (m.type === 'started') started.set(m.runId, performance.now());
      if (m.type === 'finished') finished.set(m.runId, performance.now());
      if (m.type === 'epoch') say(`  run ${m.runId} epoch ${m.epoch}: ${Object.entries(m.metrics).map(([k, v]) => `${k} ${v === null ? '—' : v.toFixed(3)}`).join(' ')} (${m.seconds.toFixed(1)} s)`);
      if (m.type === 'failed') say(`  run ${m.runId} failed: ${m.message}`);
    });
    supervisor.pump();
    const table1Ids = new Set(Object.values(table1).filter((id) => id !== soundClf));
    let t5: ReturnType<typeof table5WithCis> | null = null;
    const separability: Record<string, { nearestCentroidTest: number; betweenClassVariance: number }> = {};
    let gammaReal: AccuracyWithCi | null = null;
    let soundReal: AccuracyWithCi | null = null;
    const trainSeconds = (runId: number) => runMetrics(ctx.catalog, runId, ['epoch/seconds']).reduce((a, m) => a + m.value, 0);
    const realAcc = (runId: number, split: 'train' | 'test') => {
      const evals = runEvaluations(ctx.catalog, runId);
      return accuracyWithCi(itemsOf(evals, EVALUATION_KINDS.classifier, lastEpochOf(evals, EVALUATION_KINDS.classifier), split));
    };
    const beats = (m: string) => {
      const c = t5?.figures['s2i-c'].test;
      const other = t5?.figures[m]?.test;
      return !!c && !!other && c.low > other.high;
    };
    const printRuns = (which: Planned[]) => {
      say('\n| run | what | epochs | training s (sum of epochs) | wall s (incl. start, data, evaluation) |\n|---|---|---|---|---|');
      for (const p of which) say(`| ${p.runId} | ${p.key} | ${getRun(ctx.catalog, p.runId).epochs} | ${trainSeconds(p.runId).toFixed(0)} | ${p.wallSeconds === null ? 'reused' : p.wallSeconds.toFixed(0)} |`);
    };
    for (const p of planned) {
      if (!t5 && table1Ids.has(p.runId)) {
        // the encoders and the three S2I runs are done: Table 5 now, Table 1 when its runs are
        printRuns(planned.filter((q) => !table1Ids.has(q.runId)));
        gammaReal = realAcc(gamma, 'test');
        soundReal = realAcc(soundClf, 'test');
        say(`\nΓ on real test images: ${gammaReal ? percent(gammaReal.value) : '—'}; sound classifier on test sounds: ${soundReal ? percent(soundReal.value) : '—'}`);
        for (const [what, id] of [['sound classifier (S2I-C, S2I-N)', soundClf], ['autoencoder (S2I-A)', ae]] as const) {
          const s = await encodingSeparability(ctx, id);
          separability[what] = s;
          say(`encoding of the ${what}, run ${id}: nearest-class-centroid accuracy on test sounds ${percent(s.nearestCentroidTest)}, between-class share of variance ${s.betweenClassVariance.toFixed(2)}`);
        }
        t5 = table5WithCis(ctx, s2i);
        say(`\n${renderMarkdown(t5.table)}`);
        say(`S2I-C above S2I-N on test sounds outside the CIs: ${beats('s2i-n')}; above S2I-A: ${beats('s2i-a')}\n`);
      }
      if (p.reused) {
        say(`${p.key}: run ${p.runId} reused (done earlier with the same config)`);
        continue;
      }
      const row = await supervisor.waitFor(p.runId);
      const s = started.get(p.runId);
      p.wallSeconds = s === undefined ? null : ((finished.get(p.runId) ?? performance.now()) - s) / 1000;
      say(`${p.key}: run ${p.runId} ${row.status} after epoch ${row.epoch}/${row.epochs} in ${p.wallSeconds?.toFixed(0) ?? '?'} s`);
      if (row.status !== 'done') throw new Error(`run ${p.runId} (${p.key}) ended ${row.status}: ${row.error ?? ''}`);
    }

    if (!t5) {
      gammaReal = realAcc(gamma, 'test');
      soundReal = realAcc(soundClf, 'test');
      t5 = table5WithCis(ctx, s2i);
    }
    say('\n## Runs (small preset)');
    printRuns(planned);
    say(`\nΓ on real test images: ${gammaReal ? percent(gammaReal.value) : '—'}; sound classifier on test sounds: ${soundReal ? percent(soundReal.value) : '—'}`);
    say(`\n${renderMarkdown(t5.table)}`);
    say(`S2I-C above S2I-N on test sounds outside the CIs: ${beats('s2i-n')}; above S2I-A: ${beats('s2i-a')}`);

    let t1: ReturnType<typeof table1Ordering> | null = null;
    if (Object.keys(table1).length) {
      t1 = table1Ordering(ctx, table1);
      say(`\n${renderMarkdown(t1.table)}`);
      for (const d of [3, 4]) say(`ordering, ${d} conv layers: ours ${t1.ours[d].map((r) => r.toUpperCase()).join(' > ')}; paper ${t1.paper[d].map((r) => r.toUpperCase()).join(' > ')}`);
    }
    const totalSeconds = (performance.now() - t0) / 1000;
    say(`\ntotal ${totalSeconds.toFixed(0)} s`);
    say(JSON.stringify({
      bench: 'fidelity', home, dataset: { name, counts }, seed, epochs: { gan: ganEpochs, clf: clfEpochs, gamma: gammaEpochs, ae: aeEpochs, table1: table1Epochs },
      runs: planned.map((p) => ({ key: p.key, runId: p.runId, reused: p.reused, wallSeconds: p.wallSeconds, trainSeconds: trainSeconds(p.runId) })),
      gammaRealTest: gammaReal, soundClfRealTest: soundReal, separability, table5: t5.figures,
      s2icAboveOutsideCi: { 's2i-n': beats('s2i-n'), 's2i-a': beats('s2i-a') },
      table1: t1 ? { acc: t1.acc, ours: t1.ours, paper: t1.paper } : null, totalSeconds,
    }));
  } finally {
    ctx.close();
  }
}
