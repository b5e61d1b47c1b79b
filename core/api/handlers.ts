// The API's implementation: one function per method of the contract, each a thin layer over core.
import { join } from 'node:path';
import { datasetCounts, findDataset, getDataset, listDatasets } from '../catalog/datasetsRepo';
import { getPair, listPairs } from '../catalog/pairsRepo';
import { DEMO_DATASET_NAME } from '../datasets/demoDataset';
import { editPair, editPairs, pairHistory, undoDataset, undoPair } from '../datasets/curation';
import { describeEdit } from '../datasets/editText';
import { listDirectory } from '../datasets/dirBrowser';
import { previewInis, previewManifest, previewSubUrmpRelease, previewUrmp } from '../datasets/importPreview';
import { ingest, showDataset } from '../datasets/datasetService';
import { createSnapshot } from '../datasets/snapshots';
import { exportSubUrmp } from '../datasets/subUrmpRelease';
import { ensureWritableFolder } from '../datasets/fileSource';
import { findFfmpeg } from '../env/ffmpeg';
import { probeBackend } from '../tf/tfBackendProbe';
import { AvError } from '../errors';
import type { DatasetSummary } from '../contract/api';
import type { StudioContext } from '../studio/context';
import type { ApiHandlers } from './dispatch';
import { runsHandlers } from './runsHandlers';
import { tablesHandlers } from './tablesHandlers';
import { datasetsHandlers } from './datasetsHandlers';
import { createDemoWithFeatures, featureTasks } from '../studio/featureTasks';
import { humanEvalHandlers } from './humanEvalHandlers';
import pkg from '../../package.json';

export const STUDIO_VERSION: string = pkg.version;

function summarize(ctx: StudioContext, id: number): DatasetSummary {
  const d = getDataset(ctx.catalog, id);
  const counts = datasetCounts(ctx.catalog, d.id);
  return {
    id: d.id,
    name: d.name,
    kind: d.kind,
    description: d.description,
    createdAt: d.createdAt,
    pairCount: counts.reduce((n, c) => n + c.train + c.test, 0),
    counts,
  };
}

function count(ctx: StudioContext, table: 'datasets' | 'pairs' | 'runs'): number {
  return (ctx.catalog.db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n;
}

export const handlers: ApiHandlers = {
  ...runsHandlers,
  ...tablesHandlers,
  ...datasetsHandlers,
  ...humanEvalHandlers,
  'studio.status': (_input, ctx) => ({
    version: STUDIO_VERSION,
    home: ctx.home.root,
    catalogFile: ctx.catalog.file,
    schemaVersion: ctx.catalog.schemaVersion,
    backend: (() => {
      const b = probeBackend();
      return { kind: b.kind, package: b.package, detail: b.detail };
    })(),
    ffmpeg: findFfmpeg(),
    counts: { datasets: count(ctx, 'datasets'), pairs: count(ctx, 'pairs'), runs: count(ctx, 'runs') },
  }),

  'datasets.list': (_input, ctx) => listDatasets(ctx.catalog).map((d) => summarize(ctx, d.id)),

  'datasets.createDemo': async (input, ctx) => {
    const name = input.name ?? DEMO_DATASET_NAME;
    if (findDataset(ctx.catalog, name)) throw new AvError('conflict', `a dataset named "${name}" already exists`);
    const id = await createDemoWithFeatures(ctx, name);
    ctx.events.emit({ type: 'datasets.changed', datasetId: id });
    return summarize(ctx, id);
  },

  'pairs.list': (input, ctx) => {
    getDataset(ctx.catalog, input.datasetId);
    return listPairs(ctx.catalog, input);
  },

  'pairs.get': (input, ctx) => {
    const p = getPair(ctx.catalog, input.id);
    if (!p) throw new AvError('not_found', `no pair ${input.id}`);
    return p;
  },

  'files.browse': (input) => listDirectory(input.path),
  'datasets.previewImport': (input, ctx) =>
    input.kind === 'inis'
      ? previewInis(input.images, input.audio, input.seed)
      : input.kind === 'urmp'
        ? previewUrmp(ctx.catalog, input.path, input.seed, input.name)
        : input.kind === 'manifest'
          ? previewManifest(input.path)
          : previewSubUrmpRelease(input.path),
  'datasets.ingest': async (input, ctx) => {
    const { taskId, signal } = ctx.tasks.start('ingest');
    try {
      const r = await ingest(ctx.catalog, input, { events: ctx.events, signal, taskId });
      // the new pairs' features are computed in the background (issue 15)
      featureTasks(ctx).start(r.dataset.id);
      return r;
    } finally {
      ctx.tasks.finish(taskId);
    }
  },
  'tasks.cancel': (input, ctx) => ({ cancelled: ctx.tasks.cancel(input.taskId) }),
  'datasets.show': (input, ctx) => showDataset(ctx.catalog, input.dataset),
  'datasets.snapshot': (input, ctx) => createSnapshot(ctx.catalog, input.datasetId),
  'datasets.export': async (input, ctx) => {
    // a file in the way, /proc, a read-only place: a typed error naming it before any pair is written
    await ensureWritableFolder(join(input.out, 'Sub-URMP'));
    return exportSubUrmp(ctx.catalog, input.datasetId, input.out, { acceptedOnly: input.acceptedOnly });
  },
  'pairs.edit': (input, ctx) => {
    const p = editPair(ctx.catalog, input.id, input.edit);
    ctx.events.emit({ type: 'datasets.changed', datasetId: p.datasetId });
    ctx.events.emit({ type: 'pairs.changed', datasetId: p.datasetId, pairIds: [p.id] });
    return p;
  },
  'pairs.bulkEdit': (input, ctx) => {
    const r = editPairs(ctx.catalog, input.datasetId, input.ids, input.edit);
    if (r.changed) {
      ctx.events.emit({ type: 'datasets.changed', datasetId: input.datasetId });
      ctx.events.emit({ type: 'pairs.changed', datasetId: input.datasetId, pairIds: r.pairs.map((p) => p.id) });
    }
    return r;
  },
  'pairs.undo': (input, ctx) => {
    const undone = input.pairId !== undefined ? undoPair(ctx.catalog, input.pairId) : undoDataset(ctx.catalog, input.datasetId!);
    const pairIds = [...new Set(undone.map((u) => u.pairId))];
    const datasetId = input.datasetId ?? (pairIds.length ? getPair(ctx.catalog, pairIds[0])?.datasetId : undefined);
    if (datasetId !== undefined && pairIds.length) {
      ctx.events.emit({ type: 'datasets.changed', datasetId });
      ctx.events.emit({ type: 'pairs.changed', datasetId, pairIds });
    }
    return { undone };
  },
  'pairs.history': (input, ctx) => pairHistory(ctx.catalog, input.pairId).map((e) => ({ ...e, text: describeEdit(e) })),
};
