// Tables built from training runs' evaluation rows: Table 1 (sound-classifier accuracy by
// representation and depth), Table 5 (Γ accuracy of S2I-C / S2I-A / S2I-N), Fig. 9 (Γ accuracy vs
// epoch, the newest run of every S2I variant) and the I2S result of §5.4 (sound-classifier accuracy on generated vs real LMS).
import type { StudioContext } from '../studio/context';
import { PAPER_I2S, PAPER_TABLE1, PAPER_TABLE5 } from '../evaluation/paperValues';
import { EVALUATION_KINDS } from '../evaluation/evaluateRun';
import { getRun, runEvaluations } from '../runs/runsRepo';
import { evaluationAt, evaluationEpoch, instrumentLabel, MODEL_LABELS, selectRuns, type TableRun } from './runSources';
import {
  accuracyCell, assertRectangular, column, emptyCell, markBest, paperColumn, percent, provenance, textCell,
  type ResultTable, type TableCell, type TableRow,
} from './tableModel';

export interface RunTableOptions {
  runs?: number[];
  dataset?: number | string;
  paper?: boolean;
  epoch?: number;
}

const SPLIT_LABEL = { train: 'Training set', test: 'Testing set' } as const;
const SPLITS = ['train', 'test'] as const;
const paperCell = (v: number, note: string) => accuracyCell(v, provenance({ source: 'paper', note }));

function evalCell(t: TableRun, kind: string, epoch: number, split: 'train' | 'test', instrument = ''): TableCell {
  const e = evaluationAt(t, kind, epoch, split, instrument);
  const prov = provenance({
    source: 'runs', runIds: [t.run.id], epoch, split, instrument: instrument || null, kind,
    evaluatorRunIds: e?.evaluatorRunId ? [e.evaluatorRunId] : [], datasetId: t.run.datasetId,
    note: e ? `n = ${e.n}` : `no ${split} rows for this instrument`,
  });
  return accuracyCell(e ? e.value : null, prov);
}

function instrumentsOf(runs: TableRun[], kind: string): string[] {
  return [...new Set(runs.flatMap((t) => t.evaluations.filter((e) => e.kind === kind && e.instrument !== '').map((e) => e.instrument)))].sort();
}

// ---------------------------------------------------------------- Table 1

/** Table 1's column order in the paper. */
export const TABLE1_REPRESENTATIONS = ['ms', 'lms', 'cqt', 'mfcc', 'stft'] as const;

export function buildTable1(ctx: StudioContext, o: RunTableOptions): ResultTable {
  const kind = EVALUATION_KINDS.classifier;
  const selected = selectRuns(ctx, { table: 'table1', models: ['sound-clf'], kind, runs: o.runs, dataset: o.dataset, pick: 'all' });
  const { dataset } = selected;
  // runs of different presets (tiny / small / paper) are not averaged together: the newest run's preset is shown
  const presets = [...new Set(selected.runs.map((t) => t.run.config.preset))];
  const preset = selected.runs.length ? selected.runs.reduce((a, b) => (b.run.id > a.run.id ? b : a)).run.config.preset : null;
  const runs = selected.runs.filter((t) => t.run.config.preset === preset);
  const depths = [3, 4] as const;
  const columns = [column('representation', 'Representation', 'left'), ...depths.map((d) => column(`ours_${d}`, `${d} conv layers`))];
  if (o.paper) columns.push(...depths.map((d) => paperColumn(`paper_${d}`, `${d} conv layers`)));
  const missing: string[] = [];
  const rows: TableRow[] = TABLE1_REPRESENTATIONS.map((rep) => {
    const cells: TableCell[] = [textCell(rep.toUpperCase())];
    for (const depth of depths) {
      const group = runs.filter((t) => t.run.config.representation === rep && t.run.config.soundConvLayers === depth);
      if (!group.length) {
        missing.push(`${rep.toUpperCase()} × ${depth}`);
        cells.push(emptyCell());
        continue;
      }
      // the test split of each run at its last evaluated epoch; several runs (seeds) are averaged
      const values = group.map((t) => {
        const epoch = evaluationEpoch(t, kind, 'table1', o.epoch);
        return { t, epoch, e: evaluationAt(t, kind, epoch, 'test') };
      });
      const absent = values.filter((v) => !v.e);
      if (absent.length) {
        missing.push(`${rep.toUpperCase()} × ${depth} (run ${absent.map((v) => v.t.run.id).join(', ')} has no test split)`);
        cells.push(emptyCell());
        continue;
      }
      const mean = values.reduce((a, v) => a + (v.e?.value ?? 0), 0) / values.length;
      const epochs = [...new Set(values.map((v) => v.epoch))];
      const cell = accuracyCell(mean, provenance({
        source: 'runs', runIds: group.map((t) => t.run.id), epoch: epochs.length === 1 ? epochs[0] : null, split: 'test', kind, datasetId: dataset.id,
        note: group.length > 1 ? `mean of ${group.length} runs` : `n = ${values[0].e?.n}`,
      }));
      if (group.length > 1) cell.display = `${percent(mean)} (${group.length} runs)`;
      cells.push(cell);
    }
    if (o.paper) for (const depth of depths) cells.push(paperCell(PAPER_TABLE1[depth][rep], 'Table 1'));
    return { key: rep, cells };
  });
  // the best representation per depth (our columns; the paper's are as printed)
  depths.forEach((_, d) => markBest(rows.map((r) => r.cells[1 + d])));
  return assertRectangular({
    id: 'table1',
    title: 'Table 1: accuracy of the audio classifier',
    caption: `Sound-classifier accuracy on the test split of "${dataset.name}" per input representation, with three and four conv layers (§3.3).`,
    columns,
    rows,
    notes: [
      ...(missing.length ? [`not trained yet: ${missing.join(', ')} (avstudio train --model sound-clf --representation R --conv-layers N)`] : []),
      ...(presets.length > 1 ? [`runs of the ${preset} preset (the newest run's); runs of ${presets.filter((p) => p !== preset).join(', ')} are left out`] : []),
    ],
    figure: null,
  });
}

// ---------------------------------------------------------------- Table 5

const TABLE5_MODELS = ['s2i-c', 's2i-a', 's2i-n'] as const;

export function buildTable5(ctx: StudioContext, o: RunTableOptions): ResultTable {
  const kind = EVALUATION_KINDS.gamma;
  const { dataset, runs } = selectRuns(ctx, { table: 'table5', models: TABLE5_MODELS, kind, runs: o.runs, dataset: o.dataset, pick: 'newest-per-model' });
  runs.sort((a, b) => TABLE5_MODELS.indexOf(a.run.config.model as (typeof TABLE5_MODELS)[number]) - TABLE5_MODELS.indexOf(b.run.config.model as (typeof TABLE5_MODELS)[number]) || a.run.id - b.run.id);
  const epochs = runs.map((t) => evaluationEpoch(t, kind, 'table5', o.epoch));
  const paperModels = o.paper ? TABLE5_MODELS.filter((m) => runs.some((t) => t.run.config.model === m)) : [];
  const columns = [
    column('set', 'Set', 'left'),
    ...runs.map((t, i) => column(`run_${t.run.id}`, `${MODEL_LABELS[t.run.config.model]} (run ${t.run.id}, ${t.run.config.preset}, epoch ${epochs[i]})`)),
    ...paperModels.map((m) => paperColumn(`paper_${m}`, MODEL_LABELS[m])),
  ];
  const rows: TableRow[] = [];
  const instruments = instrumentsOf(runs, kind);
  for (const split of SPLITS) {
    rows.push({
      key: split,
      cells: [textCell(SPLIT_LABEL[split]), ...runs.map((t, i) => evalCell(t, kind, epochs[i], split)), ...paperModels.map((m) => paperCell(PAPER_TABLE5[m][split], 'Table 5'))],
    });
  }
  for (const r of rows) markBest(r.cells.slice(1, 1 + runs.length));
  for (const inst of instruments) {
    for (const split of SPLITS) {
      rows.push({
        key: `${split}:${inst}`,
        cells: [textCell(`${instrumentLabel(inst)} (${split})`), ...runs.map((t, i) => evalCell(t, kind, epochs[i], split, inst)), ...paperModels.map(() => emptyCell())],
      });
      markBest(rows[rows.length - 1].cells.slice(1, 1 + runs.length));
    }
  }
  const evaluators = [...new Set(runs.map((t) => t.run.config.evaluatorRunId))];
  return assertRectangular({
    id: 'table5',
    title: 'Table 5: classifier-based evaluation accuracy for images',
    caption: `Accuracy of Γ on images generated from the sounds of "${dataset.name}", overall and per instrument (§5.2.2).`,
    columns,
    rows,
    notes: evaluators.length > 1 ? [`the runs were scored by different Γ runs (${evaluators.join(', ')}): columns are not strictly comparable`] : [],
    figure: null,
  });
}

// ---------------------------------------------------------------- Fig. 9

export function buildFig9(ctx: StudioContext, o: RunTableOptions): ResultTable {
  const kind = EVALUATION_KINDS.gamma;
  const { dataset, runs } = selectRuns(ctx, { table: 'fig9', models: TABLE5_MODELS, kind, runs: o.runs, dataset: o.dataset, pick: 'newest-per-model' });
  runs.sort((a, b) => TABLE5_MODELS.indexOf(a.run.config.model as (typeof TABLE5_MODELS)[number]) - TABLE5_MODELS.indexOf(b.run.config.model as (typeof TABLE5_MODELS)[number]) || a.run.id - b.run.id);
  const overall = (t: TableRun, split: 'train' | 'test') => t.evaluations.filter((e) => e.kind === kind && e.instrument === '' && e.split === split).sort((a, b) => a.epoch - b.epoch);
  const epochs = [...new Set(runs.flatMap((t) => t.evaluations.filter((e) => e.kind === kind).map((e) => e.epoch)))].sort((a, b) => a - b);
  const series = runs.flatMap((t) => SPLITS.map((split) => ({ t, split, points: overall(t, split) }))).filter((s) => s.points.length);
  const columns = [column('epoch', 'Epoch'), ...series.map((s) => column(`run_${s.t.run.id}_${s.split}`, `${MODEL_LABELS[s.t.run.config.model]} run ${s.t.run.id} (${s.split})`))];
  const rows: TableRow[] = epochs.map((epoch) => ({
    key: String(epoch),
    cells: [
      { value: epoch, display: String(epoch), provenance: null },
      ...series.map((s) => {
        const e = s.points.find((p) => p.epoch === epoch);
        return accuracyCell(e ? e.value : null, provenance({ source: 'runs', runIds: [s.t.run.id], epoch, split: s.split, kind, evaluatorRunIds: e?.evaluatorRunId ? [e.evaluatorRunId] : [], datasetId: dataset.id, note: e ? `n = ${e.n}` : 'not evaluated at this epoch' }));
      }),
    ],
  }));
  const ys = series.flatMap((s) => s.points.map((p) => p.value));
  return assertRectangular({
    id: 'fig9',
    title: 'Fig. 9: Γ accuracy on generated images vs epoch',
    caption: `Accuracy of Γ on images generated for the training (a) and test (b) sounds of "${dataset.name}", at every evaluated epoch (§5.2.3).`,
    columns,
    rows,
    notes: [],
    figure: {
      kind: 'line',
      xLabel: 'epoch',
      yLabel: 'Γ accuracy',
      yMin: 0,
      yMax: Math.max(1, ...ys),
      series: series.map((s) => ({ label: `run ${s.t.run.id} ${MODEL_LABELS[s.t.run.config.model]} ${s.split}`, runId: s.t.run.id, split: s.split, points: s.points.map((p) => ({ x: p.epoch, y: p.value })) })),
    },
  });
}

// ---------------------------------------------------------------- I2S (§5.4)

export function buildI2sTable(ctx: StudioContext, o: RunTableOptions): ResultTable {
  const kind = EVALUATION_KINDS.i2sGenerated;
  const { dataset, runs } = selectRuns(ctx, { table: 'i2s', models: ['i2s'], kind, runs: o.runs, dataset: o.dataset, pick: 'newest-per-model' });
  const epochs = runs.map((t) => evaluationEpoch(t, kind, 'i2s', o.epoch));
  const columns = [column('measure', 'Sound-classifier accuracy', 'left'), ...runs.map((t, i) => column(`run_${t.run.id}`, `I2S (run ${t.run.id}, epoch ${epochs[i]})`))];
  if (o.paper) columns.push(paperColumn('paper', 'I2S'));
  const notes: string[] = [];
  const realCell = (t: TableRun, epoch: number, split: 'train' | 'test'): TableCell => {
    const own = evaluationAt(t, EVALUATION_KINDS.i2sReal, epoch, split);
    if (own) return evalCell(t, EVALUATION_KINDS.i2sReal, epoch, split);
    // fall back to the evaluator run's own accuracy on real LMS (its last evaluated epoch)
    const evalRunId = t.run.config.evaluatorRunId;
    if (!evalRunId) return emptyCell('no evaluator run');
    const rows = runEvaluations(ctx.catalog, evalRunId).filter((e) => e.kind === EVALUATION_KINDS.classifier && e.split === split && e.instrument === '');
    const last = rows[rows.length - 1];
    if (!last) return emptyCell(`evaluator run ${evalRunId} has no ${split} accuracy`);
    const evaluator = getRun(ctx.catalog, evalRunId);
    if (evaluator.datasetId !== t.run.datasetId) notes.push(`evaluator run ${evalRunId} was trained on another dataset than I2S run ${t.run.id}`);
    return accuracyCell(last.value, provenance({ source: 'runs', runIds: [evalRunId], epoch: last.epoch, split, kind: EVALUATION_KINDS.classifier, datasetId: evaluator.datasetId, note: `the evaluator's own accuracy on real LMS (n = ${last.n}); \`avstudio eval ${t.run.id}\` measures it on the I2S run's pairs` }));
  };
  const rows: TableRow[] = [
    ...SPLITS.map((split) => ({
      key: `generated:${split}`,
      cells: [textCell(`Generated LMS (${split})`), ...runs.map((t, i) => evalCell(t, kind, epochs[i], split)), ...(o.paper ? [split === 'test' ? paperCell(PAPER_I2S.generated, '§5.4 (split not stated)') : emptyCell()] : [])],
    })),
    ...SPLITS.map((split) => ({
      key: `real:${split}`,
      cells: [textCell(`Real LMS (${split})`), ...runs.map((t, i) => realCell(t, epochs[i], split)), ...(o.paper ? [split === 'test' ? paperCell(PAPER_I2S.realTest, '§5.4') : emptyCell()] : [])],
    })),
  ];
  return assertRectangular({
    id: 'i2s',
    title: 'I2S: sound-classifier accuracy on generated vs real LMS',
    caption: `The sound classifier (Fig. 4) on LMS generated from the images of "${dataset.name}" (resized 128×34 → 128×44) and on the real LMS (§5.4).`,
    columns,
    rows,
    notes: [...new Set(notes)],
    figure: null,
  });
}
