// Which runs a result table is built from, checked before anything is drawn: every named run must
// exist, be of a model the table shows, be trained on the table's dataset, and have the evaluation
// rows the table needs. Every problem is reported in one error naming the run and what it lacks, so
// a table is never printed empty or half-filled by accident.
import type { StudioContext } from '../studio/context';
import { getDataset, type DatasetRow } from '../catalog/datasetsRepo';
import { URMP_INSTRUMENTS, isUrmpCode } from '../datasets/instruments';
import { AvError } from '../errors';
import { findRun, listRuns, runEvaluations, type EvaluationPoint, type RunRow } from '../runs/runsRepo';
import type { ModelKind } from '../runs/runConfig';

export const MODEL_LABELS: Record<string, string> = {
  'sound-clf': 'Sound classifier',
  'image-clf': 'Image classifier Γ',
  autoencoder: 'Autoencoder',
  's2i-c': 'S2I-C',
  's2i-n': 'S2I-N',
  's2i-a': 'S2I-A',
  i2s: 'I2S',
};

/** URMP code → readable name ("db" → "double bass"); other labels as they are. */
export function instrumentLabel(instrument: string): string {
  return isUrmpCode(instrument) ? URMP_INSTRUMENTS[instrument].replace(/_/g, ' ') : instrument.replace(/_/g, ' ');
}

export interface TableRun {
  run: RunRow;
  evaluations: EvaluationPoint[];
}

export interface RunSelection {
  table: string;
  /** models the table shows */
  models: readonly ModelKind[];
  /** the evaluation kind each run must have */
  kind: string;
  runs?: number[];
  dataset?: number | string;
  /** without --runs: the newest finished run of each model, or every finished run */
  pick: 'newest-per-model' | 'newest-first-model' | 'all';
}

function describe(r: RunRow): string {
  return `run ${r.id} (${r.config.model}, ${r.status}, epoch ${r.epoch}/${r.epochs})`;
}

export function selectRuns(ctx: StudioContext, sel: RunSelection): { dataset: DatasetRow; runs: TableRun[] } {
  const cat = ctx.catalog;
  const dataset = sel.dataset !== undefined ? getDataset(cat, sel.dataset) : null;
  const problems: Array<{ kind: 'not_found' | 'bad_request' | 'conflict'; text: string }> = [];
  let runs: RunRow[];
  if (sel.runs?.length) {
    runs = [];
    for (const id of sel.runs) {
      const r = findRun(cat, id);
      if (!r) problems.push({ kind: 'not_found', text: `run ${id} does not exist` });
      else if (!sel.models.includes(r.config.model)) problems.push({ kind: 'bad_request', text: `run ${id} is a ${r.config.model} run; ${sel.table} shows ${sel.models.join(', ')} runs` });
      else runs.push(r);
    }
  } else {
    const done = listRuns(cat, { status: 'done', datasetId: dataset?.id }).filter((r) => sel.models.includes(r.config.model));
    if (sel.pick === 'all') runs = done;
    else {
      const models = sel.pick === 'newest-first-model' ? sel.models.slice(0, 1) : sel.models;
      runs = models.map((m) => done.filter((r) => r.config.model === m).pop()).filter((r): r is RunRow => !!r);
    }
    if (!runs.length) {
      throw new AvError(
        'not_found',
        `${sel.table}: no finished ${sel.models.join(' / ')} run${dataset ? ` on dataset "${dataset.name}"` : ''} — train one (avstudio train --model ${sel.models[0]}${dataset ? ` --dataset ${dataset.name}` : ''}) or name runs with --runs`,
      );
    }
  }
  // one dataset for the whole table
  let tableDataset = dataset;
  if (!tableDataset && runs.length) {
    const ids = [...new Set(runs.map((r) => r.datasetId))];
    if (ids.length > 1) {
      const byDs = ids.map((d) => `dataset ${d}: runs ${runs.filter((r) => r.datasetId === d).map((r) => r.id).join(', ')}`).join('; ');
      problems.push({ kind: 'conflict', text: `the runs were trained on different datasets (${byDs}): name one with --dataset` });
    } else if (ids[0]) tableDataset = getDataset(cat, ids[0]);
  }
  const out: TableRun[] = [];
  for (const r of runs) {
    if (tableDataset && r.datasetId !== tableDataset.id) {
      problems.push({ kind: 'conflict', text: `run ${r.id} was trained on dataset ${r.datasetId}, not ${tableDataset.id} ("${tableDataset.name}")` });
      continue;
    }
    const evaluations = runEvaluations(cat, r.id);
    if (!evaluations.some((e) => e.kind === sel.kind)) {
      problems.push({
        kind: 'conflict',
        text: `${describe(r)} has no ${sel.kind} evaluations yet: ${r.status === 'done' ? '' : 'let it finish, or '}run \`avstudio eval ${r.id}\``,
      });
      continue;
    }
    out.push({ run: r, evaluations });
  }
  if (problems.length) {
    const kind = problems.some((p) => p.kind === 'not_found') ? 'not_found' : problems.some((p) => p.kind === 'bad_request') ? 'bad_request' : 'conflict';
    throw new AvError(kind, `${sel.table}: ${problems.map((p) => p.text).join('; ')}`, { details: { problems } });
  }
  return { dataset: tableDataset as DatasetRow, runs: out };
}

/** The epoch a table reads for a run: the given one, or the run's last evaluated epoch. */
export function evaluationEpoch(t: TableRun, kind: string, table: string, epoch?: number): number {
  const epochs = [...new Set(t.evaluations.filter((e) => e.kind === kind).map((e) => e.epoch))].sort((a, b) => a - b);
  if (epoch === undefined) return epochs[epochs.length - 1];
  if (!epochs.includes(epoch)) {
    throw new AvError('conflict', `${table}: run ${t.run.id} has no ${kind} evaluation at epoch ${epoch} (evaluated epochs: ${epochs.join(', ')}); run \`avstudio eval ${t.run.id} --epoch ${epoch}\``);
  }
  return epoch;
}

export function evaluationAt(t: TableRun, kind: string, epoch: number, split: 'train' | 'test', instrument = ''): EvaluationPoint | null {
  return t.evaluations.find((e) => e.kind === kind && e.epoch === epoch && e.split === split && e.instrument === instrument) ?? null;
}
