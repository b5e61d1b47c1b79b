// A training worker process: `trainWorker.ts --home DIR --run ID`, forked by the run supervisor with
// an IPC channel. It trains the run (core/training/runTraining.ts), writing results to the catalog,
// and reports validated progress messages to its parent.
import { openStudio } from '../core/studio/context';
import { toAvError } from '../core/errors';
import { appendRunLog, formatWorkerMessage } from '../core/runs/runLog';
import { getRun, setRunStatus } from '../core/runs/runsRepo';
import { WorkerMessageSchema, type WorkerMessage } from '../core/contract/workerMessages';
import { executeRun } from '../core/training/runTraining';

function arg(name: string): string {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? process.argv[i + 1] : undefined;
  if (!v) {
    process.stderr.write(`trainWorker: missing --${name}\n`);
    process.exit(2);
  }
  return v;
}

const home = arg('home');
const runId = Number(arg('run'));
if (!Number.isInteger(runId) || runId <= 0) {
  process.stderr.write(`trainWorker: --run must be a run id\n`);
  process.exit(2);
}

const ctx = openStudio(home, 'worker');
const send = (m: WorkerMessage): void => {
  const line = formatWorkerMessage(m);
  if (line) appendRunLog(ctx.home.runsDir, runId, line); // the log stays with the run after it ends
  if (process.send && process.connected) process.send(WorkerMessageSchema.parse(m));
};

// The supervising process is gone (killed, crashed): nobody relays this run or waits for it. The run
// is marked interrupted (resumable from its last checkpoint) and the worker ends. Noticed between
// steps (the parent pid changes when the parent dies: an epoch runs without yielding to the event
// loop, so the IPC 'disconnect' event alone would only arrive after it) and on 'disconnect'.
const parentPid = process.ppid;
function abandon(): never {
  try {
    const r = getRun(ctx.catalog, runId);
    if (r.status === 'running' || r.status === 'stopping') {
      setRunStatus(ctx.catalog, runId, 'interrupted', { error: `the studio process supervising the worker ended during epoch ${r.epoch + 1}; last good epoch: ${r.epoch || 'none'}`, pid: null });
    }
  } finally {
    process.exit(3);
  }
}
process.on('disconnect', abandon);
let code = 0;
try {
  await executeRun(ctx, runId, {
    report: send,
    // 'stopping': asked to stop; anything else but running: another process declared the run over
    shouldStop: () => {
      if (process.ppid !== parentPid) abandon();
      return getRun(ctx.catalog, runId).status !== 'running';
    },
  });
} catch (err) {
  const e = toAvError(err);
  setRunStatus(ctx.catalog, runId, 'failed', { error: `${e.kind}: ${e.message}`, pid: null });
  send({ type: 'failed', runId, kind: e.kind, message: e.message });
  process.stderr.write(`run ${runId} failed: ${e.message}\n${e.cause instanceof Error ? e.cause.stack : ''}\n`);
  code = 1;
} finally {
  ctx.close();
}
process.exit(code);
