// The tables part of the API: build a result table (the model with provenance), export it rendered,
// and evaluate a run at a checkpoint. Evaluation loads TensorFlow.js in the calling process.
import { evaluateRun } from '../evaluation/evaluateRun';
import { getRun } from '../runs/runsRepo';
import { buildTable } from '../tables/buildTable';
import { renderTable } from '../tables/render';
import type { ApiHandlers } from './dispatch';

type TablesHandlers = Pick<ApiHandlers, 'tables.build' | 'tables.export' | 'runs.evaluate'>;

export const tablesHandlers: TablesHandlers = {
  'tables.build': (input, ctx) => buildTable(ctx, input),
  'tables.export': async (input, ctx) => {
    const { format, ...build } = input;
    const r = await renderTable(buildTable(ctx, build), format);
    return { format, mime: r.mime, text: r.text, base64: r.bytes ? r.bytes.toString('base64') : null };
  },
  'runs.evaluate': async (input, ctx) => {
    const r = await evaluateRun(ctx, input.id, { epoch: input.epoch });
    const run = getRun(ctx.catalog, r.runId);
    ctx.events.emit({ type: 'run.updated', runId: run.id, status: run.status, epoch: run.epoch });
    return r;
  },
};
