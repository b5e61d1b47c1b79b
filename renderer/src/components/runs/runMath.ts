// Pure helpers of the Runs screen: x axes (step / epoch / training time) for a run's metrics,
// run and metric styles for overlays, ETAs from per-epoch timing, and the run table's CSV.
import type { RunSummary } from '../../../../core/contract/api';

export interface MetricPoint {
  name: string;
  step: number;
  epoch: number;
  value: number;
}

export type XMode = 'step' | 'epoch' | 'time';

/** Each run its own colour (the open run first); within a run, each metric its own dash. */
export const RUN_COLORS = ['#3b5bdb', '#e8590c', '#2f9e44', '#ae3ec9', '#c2255c', '#1098ad', '#f08c00', '#5f3dc4', '#495057'];
const DASHES: Record<string, number[]> = {
  d_loss: [],
  g_loss: [7, 4],
  loss: [],
  d_real: [],
  d_wrong: [7, 4],
  d_fake: [2, 3],
  test: [],
  train: [7, 4],
  mse_stack1: [],
  mse_stack2: [7, 4],
  mse_stack3: [2, 3],
  mse_stack4: [10, 3, 2, 3],
};
export const dashOf = (metric: string): number[] => DASHES[metric] ?? [];

/** A run's clock: maps a step or an epoch to the chosen x (fractional epochs, seconds of training). */
export function runClock(points: MetricPoint[], mode: XMode): { ofStep(step: number, epoch: number): number | null; ofEpoch(epoch: number): number | null } {
  const span = new Map<number, { min: number; max: number }>();
  const seconds = new Map<number, number>();
  for (const p of points) {
    if (p.name === 'epoch/seconds') seconds.set(p.epoch, p.value);
    else if (!p.name.includes('/')) {
      const s = span.get(p.epoch);
      if (!s) span.set(p.epoch, { min: p.step, max: p.step });
      else {
        if (p.step < s.min) s.min = p.step;
        if (p.step > s.max) s.max = p.step;
      }
    }
  }
  const known = [...seconds.values()];
  const meanSec = known.length ? known.reduce((a, b) => a + b, 0) / known.length : null;
  const maxEpoch = Math.max(0, ...span.keys(), ...seconds.keys());
  const cum: number[] = [0];
  for (let e = 1; e <= maxEpoch; e++) cum[e] = cum[e - 1] + (seconds.get(e) ?? meanSec ?? 0);
  const frac = (step: number, epoch: number): number => {
    const s = span.get(epoch);
    return s ? (step - s.min + 1) / (s.max - s.min + 1) : 1;
  };
  return {
    ofStep(step, epoch) {
      if (mode === 'step') return step;
      if (mode === 'epoch') return epoch - 1 + frac(step, epoch);
      const sec = seconds.get(epoch) ?? meanSec;
      return sec === null ? null : cum[epoch - 1] + frac(step, epoch) * sec;
    },
    ofEpoch(epoch) {
      if (mode === 'epoch') return epoch;
      if (mode === 'step') return span.get(epoch)?.max ?? null;
      return seconds.has(epoch) || meanSec !== null ? cum[epoch] : null;
    },
  };
}

/** Seconds left for a run: remaining epochs × its seconds per epoch, or an estimate from a like run. */
export function runSecondsLeft(r: RunSummary, all: RunSummary[]): number | null {
  if (!['queued', 'running', 'stopping'].includes(r.status)) return 0;
  const per = r.secondsPerEpoch ?? likeRunSecondsPerEpoch(r, all);
  return per === null ? null : Math.max(0, r.epochs - r.epoch) * per;
}

/** Seconds per epoch of the newest run with the same model, preset and dataset (else model and preset). */
export function likeRunSecondsPerEpoch(r: RunSummary, all: RunSummary[]): number | null {
  const timed = all.filter((o) => o.id !== r.id && o.secondsPerEpoch !== null && o.model === r.model && o.preset === r.preset && o.batchSize === r.batchSize);
  const same = timed.filter((o) => o.datasetId === r.datasetId);
  const pick = (same.length ? same : timed).sort((a, b) => b.id - a.id)[0];
  return pick?.secondsPerEpoch ?? null;
}

/** The queue: runs training or waiting, the seconds until all finish (runs train one after another), and how many have no estimate yet. */
export function queueEta(all: RunSummary[]): { runs: number; seconds: number; unknown: number } {
  let seconds = 0;
  let unknown = 0;
  let runs = 0;
  for (const r of all) {
    if (!['queued', 'running', 'stopping'].includes(r.status)) continue;
    runs++;
    const s = runSecondsLeft(r, all);
    if (s === null) unknown++;
    else seconds += s;
  }
  return { runs, seconds, unknown };
}

export function fmtDuration(s: number): string {
  s = Math.max(0, Math.round(s));
  if (s < 90) return `${s} s`;
  if (s < 5400) return `${Math.round(s / 60)} min`;
  return `${(s / 3600).toFixed(1)} h`;
}

/** RFC 4180 CSV of rows of cells. */
export function toCsv(rows: Array<Array<string | number | null>>): string {
  const cell = (v: string | number | null): string => {
    const t = v === null ? '' : String(v);
    return /[",\n\r]/.test(t) ? `"${t.replace(/"/g, '""')}"` : t;
  };
  return rows.map((r) => r.map(cell).join(',')).join('\r\n') + '\r\n';
}
