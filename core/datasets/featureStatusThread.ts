// The quick feature status computed on a worker thread (featureStatusWorker.ts), for processes that
// serve a UI (avstudio serve, Electron main): their event loop only waits for one message, so a
// page of pairs, a filter or a search asked meanwhile is answered at once. One thread per process,
// started on first use and unref'd (it never keeps the process alive). When no thread can be
// started, or it dies, the status is computed here with yields (featureIndex.ts), as before.
import { existsSync } from 'node:fs';
import type { Worker } from 'node:worker_threads';
import type { Catalog } from '../catalog/catalog';
import { AvError, ERROR_KINDS, type ErrorKind } from '../errors';
import { quickFeatureStatusAsync, type QuickStatus, type StatusOptions } from './featureIndex';
import { StatusReplySchema, type StatusReply } from './featureStatusMessages';
import { pairFeatureKeys } from './featureKeys';
import { workerThreadEntry } from './workerThreadEntry';

type Pending = { resolve: (s: QuickStatus) => void; reject: (e: Error) => void };
/** The thread ended before it answered: the question is asked again in this thread. */
class ThreadGone extends Error {}
let worker: Worker | null = null;
let broken = false;
let nextId = 1;
const pending = new Map<number, Pending>();
/** answers given by the thread and computed here instead (tests, diagnostics) */
const counts = { thread: 0, here: 0 };

/** How many statuses the thread answered and how many were computed in this thread. */
export function featureStatusCounts(): { thread: number; here: number } {
  return { ...counts };
}

function failAll(err: Error): void {
  for (const p of pending.values()) p.reject(err);
  pending.clear();
}

function thread(): Worker | null {
  if (worker || broken) return worker;
  const start = workerThreadEntry('featureStatusWorker');
  if (!start) {
    broken = true;
    return null;
  }
  const w = start();
  w.unref();
  w.on('message', (raw: unknown) => {
    const r = StatusReplySchema.safeParse(raw);
    if (!r.success) return;
    const reply: StatusReply = r.data;
    const p = pending.get(reply.id);
    if (!p) return;
    pending.delete(reply.id);
    if (reply.ok) {
      counts.thread++;
      p.resolve(reply.status);
    }
    else p.reject(new AvError((ERROR_KINDS as readonly string[]).includes(reply.kind) ? (reply.kind as ErrorKind) : 'internal', reply.message));
  });
  const gone = (why: string) => {
    if (worker === w) worker = null;
    failAll(new ThreadGone(`the feature-status thread ${why}`));
  };
  w.on('error', (e) => gone(`failed: ${e.message}`));
  w.on('exit', (code) => gone(`exited with code ${code}`));
  worker = w;
  return w;
}

/** The dataset's quick feature status from the worker thread; in this thread when none can run. */
export async function quickFeatureStatusOffThread(cat: Catalog, datasetId: number, opts: StatusOptions = {}): Promise<QuickStatus> {
  // a catalog the thread cannot open by its path (in memory) is read here
  const w = cat.file !== ':memory:' && existsSync(cat.file) ? thread() : null;
  if (w) {
    try {
      return await new Promise<QuickStatus>((resolve, reject) => {
        const id = nextId++;
        pending.set(id, { resolve, reject });
        w.postMessage({ id, catalogFile: cat.file, datasetId, opts });
      });
    } catch (err) {
      // a request the thread answered with an error is that error; a thread that died falls back here
      if (!(err instanceof ThreadGone)) throw err;
    }
  }
  counts.here++;
  return quickFeatureStatusAsync(cat, datasetId, opts, pairFeatureKeys);
}

/** Stops the thread (tests, shutdown); the next call starts a new one. */
export async function stopFeatureStatusThread(): Promise<void> {
  const w = worker;
  worker = null;
  if (w) await w.terminate();
}
