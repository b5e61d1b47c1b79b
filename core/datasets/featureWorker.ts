// A feature worker thread (node:worker_threads): runs the jobs materializeDataset posts
// (featureJobs.ts) and posts every finished feature back at once, its bytes transferred, not copied.
// Messages in: { type: 'job', job } | { type: 'cancel' }. Out: FeatureOutput | { type: 'job-done', id }
// | { type: 'job-failed', id, reason }.
import { parentPort } from 'node:worker_threads';
import { toAvError } from '../errors';
import { type FeatureJob, type FeatureOutput, runFeatureJob } from './featureJobs';

const port = parentPort;
if (!port) throw new Error('featureWorker.ts runs as a worker thread');
let abort = new AbortController();

port.on('message', (m: { type: 'job'; job: FeatureJob } | { type: 'cancel' }) => {
  if (m.type === 'cancel') {
    abort.abort();
    abort = new AbortController();
    return;
  }
  const signal = abort.signal;
  const emit = (o: FeatureOutput) => {
    if (o.type === 'feature') {
      // a fresh copy that owns its buffer, moved to the main thread
      const bytes = Uint8Array.from(o.bytes);
      port.postMessage({ ...o, bytes }, [bytes.buffer]);
    } else port.postMessage(o);
  };
  runFeatureJob(m.job, emit, signal).then(
    () => port.postMessage({ type: 'job-done', id: m.job.id }),
    (err: unknown) => port.postMessage({ type: 'job-failed', id: m.job.id, reason: toAvError(err).message }),
  );
});
port.postMessage({ type: 'ready' });
