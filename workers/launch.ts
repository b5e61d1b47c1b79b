// How Node doors (the CLI and `avstudio serve`) start a training worker: the TypeScript entry point
// run through tsx, as a child process with an IPC channel. Its stdout is dropped (tfjs greets there)
// and its stderr kept for the supervisor's error message.
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { WorkerLauncher } from '../core/studio/supervisor';
import { trainingProcessEnv } from '../core/env/trainingProcessEnv';

const TRAIN_WORKER = fileURLToPath(new URL('./trainWorker.ts', import.meta.url));
const TSX_LOADER = import.meta.resolve('tsx');

export const nodeWorkerLauncher: WorkerLauncher = (runId, home) =>
  fork(TRAIN_WORKER, ['--home', home, '--run', String(runId)], {
    execArgv: ['--import', TSX_LOADER],
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    env: trainingProcessEnv(),
  });
