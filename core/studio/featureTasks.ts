// Features computed in the background (issue 15): after an import the studio starts a task that
// materialises the dataset's missing LMS and pictures (materializeDataset: worker threads, each
// feature stored as it is computed), with features.progress events and tasks.cancel. One task per
// dataset at a time. While a task runs its dataset is listed in <home>/features-pending.json; a
// studio that was killed leaves it there and picks the work up again on its next start
// (resumePending); a task that ends — done, cancelled or failed — removes it.
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { StudioContext } from './context';
import type { DatasetFeatures, FeatureTask } from '../contract/datasetsContract';
import { findDataset, getDataset, listDatasets } from '../catalog/datasetsRepo';
import { toAvError } from '../errors';
import { type FeatureKind, materializeDataset } from '../datasets/materialize';
import { quickFeatureStatusOffThread } from '../datasets/featureStatusThread';
import { createDemoDataset, DEMO_DATASET_NAME } from '../datasets/demoDataset';

const PENDING_FILE = 'features-pending.json';
const EMIT_EVERY_MS = 250;

function pendingPath(ctx: StudioContext): string {
  return join(ctx.home.root, PENDING_FILE);
}

/** Dataset ids whose feature work was started and has not ended (a killed studio leaves them). */
export function pendingFeatureWork(ctx: StudioContext): number[] {
  const f = pendingPath(ctx);
  if (!existsSync(f)) return [];
  try {
    const v = JSON.parse(readFileSync(f, 'utf8')) as unknown;
    return Array.isArray(v) ? v.filter((x): x is number => Number.isInteger(x)) : [];
  } catch {
    return [];
  }
}

/** Lists a dataset's feature work for the next studio start (the CLI's ingest, which does not wait for it). */
export function markFeatureWorkPending(ctx: StudioContext, datasetId: number): void {
  setPending(ctx, datasetId, true);
}

/** Takes a dataset off that list (a `materialize` that went through all its pairs). */
export function clearFeatureWorkPending(ctx: StudioContext, datasetId: number): void {
  if (pendingFeatureWork(ctx).includes(datasetId)) setPending(ctx, datasetId, false);
}

function setPending(ctx: StudioContext, datasetId: number, on: boolean): void {
  const ids = new Set(pendingFeatureWork(ctx));
  if (on) ids.add(datasetId);
  else ids.delete(datasetId);
  const f = pendingPath(ctx);
  const tmp = `${f}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify([...ids].sort((a, b) => a - b)));
  renameSync(tmp, f);
}

export class FeatureTasks {
  private tasks = new Map<number, { state: FeatureTask; done: Promise<FeatureTask> }>();

  constructor(private readonly ctx: StudioContext) {}

  /** Starts the dataset's feature task, or returns the one already running. */
  start(datasetId: number, opts: { features?: readonly FeatureKind[] } = {}): FeatureTask {
    getDataset(this.ctx.catalog, datasetId);
    const running = this.tasks.get(datasetId);
    if (running && running.state.state === 'running') return running.state;
    const { ctx } = this;
    const { taskId, signal } = ctx.tasks.start('features');
    const state: FeatureTask = { datasetId, taskId, done: 0, total: 0, computed: 0, failed: 0, state: 'running' };
    let last = 0;
    const emit = (force = false) => {
      const now = Date.now();
      if (!force && now - last < EMIT_EVERY_MS) return;
      last = now;
      ctx.events.emit({ type: 'features.progress', ...state });
    };
    setPending(ctx, datasetId, true);
    const done = (async (): Promise<FeatureTask> => {
      // let the caller's response go out before the first feature is computed
      await new Promise<void>((r) => setImmediate(r));
      try {
        const r = await materializeDataset(ctx.catalog, ctx.blobs, datasetId, {
          signal,
          features: opts.features,
          thumbsDir: ctx.home.thumbsDir,
          onProgress: (p) => {
            Object.assign(state, { done: p.done, total: p.total, computed: p.computed });
            emit();
          },
        });
        state.failed = r.failed.length;
        state.state = 'done';
        if (r.failed.length) state.message = `${r.failed.length} pair(s) failed, e.g. pair ${r.failed[0].pairId}: ${r.failed[0].reason}`;
      } catch (err) {
        const e = toAvError(err);
        state.state = e.kind === 'cancelled' ? 'cancelled' : 'failed';
        state.message = e.message;
      } finally {
        ctx.tasks.finish(taskId);
        try {
          // stopped because the studio is closing: the work stays listed for the next start
          if (!ctx.tasks.closing) setPending(ctx, datasetId, false);
        } catch {
          // the data directory went away (a test's temp home): nothing to resume anyway
        }
      }
      try {
        emit(true);
      } catch {
        // the studio is closing
      }
      return state;
    })();
    this.tasks.set(datasetId, { state, done });
    return state;
  }

  /** The running or last task of a dataset in this process. */
  task(datasetId: number): FeatureTask | null {
    return this.tasks.get(datasetId)?.state ?? null;
  }

  /** Resolves when the dataset's current task ends (immediately with null when there is none). */
  async wait(datasetId: number): Promise<FeatureTask | null> {
    return (await this.tasks.get(datasetId)?.done) ?? null;
  }

  /** The dataset's feature counts (catalog rows only, yielding to other requests) and its task. */
  async status(datasetId: number): Promise<DatasetFeatures> {
    // on a worker thread: a server's event loop stays free for the pages and filters asked meanwhile
    const s = await quickFeatureStatusOffThread(this.ctx.catalog, getDataset(this.ctx.catalog, datasetId).id);
    return { datasetId, pairs: s.pairs, done: s.done, lms: s.lms, image: s.image, task: this.task(datasetId) };
  }

  /**
   * Starts the feature status of every dataset on its worker thread, in the background: what the
   * Datasets screen asks first is then ready (or under way) when a window opens on this process.
   */
  warmStatus(): void {
    for (const d of listDatasets(this.ctx.catalog)) void this.status(d.id).catch(() => undefined);
  }

  /** Starts again the feature work a previous studio process left unfinished; returns the dataset ids. */
  resumePending(): number[] {
    const started: number[] = [];
    for (const id of pendingFeatureWork(this.ctx)) {
      if (!findDataset(this.ctx.catalog, id)) {
        setPending(this.ctx, id, false);
        continue;
      }
      this.start(id);
      started.push(id);
    }
    return started;
  }
}

const registry = new WeakMap<StudioContext, FeatureTasks>();

/** The feature tasks of a studio process. */
export function featureTasks(ctx: StudioContext): FeatureTasks {
  let t = registry.get(ctx);
  if (!t) registry.set(ctx, (t = new FeatureTasks(ctx)));
  return t;
}

/** Creates the demo dataset and, as after any import, starts computing its features in the background. */
export async function createDemoWithFeatures(ctx: StudioContext, name = DEMO_DATASET_NAME): Promise<number> {
  const id = await createDemoDataset(ctx.catalog, ctx.blobs, name);
  featureTasks(ctx).start(id);
  return id;
}
