// The worker's log kept with its run: runs/<id>/worker.log, one line per event worth reading after
// the run ended (start, resume, warnings, each finished epoch, the end or the failure). The worker
// appends it; the API returns its tail with the run, so the Log panel is not empty once a run ends.
import { appendFileSync, existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { WorkerMessage } from '../contract/workerMessages';

export function runLogPath(runsDir: string, runId: number): string {
  return join(runsDir, String(runId), 'worker.log');
}

/** One log line for a worker message; null for messages too frequent to keep (steps, progress). */
export function formatWorkerMessage(m: WorkerMessage, at = new Date()): string | null {
  const t = at.toISOString();
  switch (m.type) {
    case 'started':
      return `${t} info started on ${m.backend} (${m.package}), pid ${m.pid}${m.epoch ? `, from epoch ${m.epoch}` : ''}`;
    case 'log':
      return `${t} ${m.level} ${m.message}`;
    case 'epoch': {
      const metrics = Object.entries(m.metrics)
        .filter((e): e is [string, number] => e[1] !== null)
        .map(([k, v]) => `${k} ${Number(v.toPrecision(4))}`)
        .join(' · ');
      return `${t} info epoch ${m.epoch} in ${m.seconds.toFixed(1)} s (${m.itemsPerSecond.toFixed(1)} items/s)${metrics ? ` — ${metrics}` : ''}`;
    }
    case 'finished':
      return `${t} info ${m.status === 'done' ? 'finished' : 'stopped'} at epoch ${m.epoch}`;
    case 'failed':
      return `${t} warn failed (${m.kind}): ${m.message}`;
    default:
      return null;
  }
}

/** Appends lines to a run's log; never throws (a full disk must not fail the training). */
export function appendRunLog(runsDir: string, runId: number, ...lines: string[]): void {
  if (!lines.length) return;
  try {
    mkdirSync(join(runsDir, String(runId)), { recursive: true });
    appendFileSync(runLogPath(runsDir, runId), lines.map((l) => `${l.replace(/\n/g, ' ⏎ ')}\n`).join(''));
  } catch {
    // the log is a convenience; the catalog holds the run's results
  }
}

/** The last `maxLines` lines of a run's log (reads at most the last 256 KB). */
export function readRunLog(runsDir: string, runId: number, maxLines = 300): string[] {
  const p = runLogPath(runsDir, runId);
  if (!existsSync(p)) return [];
  try {
    const size = statSync(p).size;
    const buf = readFileSync(p);
    const text = buf.subarray(Math.max(0, size - 256 * 1024)).toString('utf8');
    const lines = text.split('\n').filter(Boolean);
    return lines.slice(-maxLines);
  } catch {
    return [];
  }
}
