// Dataset commands (issues 5 and 11): ingest URMP / INIS / a manifest / a Sub-URMP release, show
// Table 2/3 counts, list pairs, curate (pair … accept|reject|relabel|move|crop|repair, undo),
// snapshot, export in the Sub-URMP layout, materialise features. Each goes through the API handlers.
import type { Command } from 'commander';
import type { StudioContext } from '../../core/studio/context';
import type { ApiInput, Pair } from '../../core/contract/api';
import { callOrThrow } from '../../core/api/dispatch';
import { handlers } from '../../core/api/handlers';
import { ingest, type IngestOutcome, type IngestRequest } from '../../core/datasets/datasetService';
import { clearFeatureWorkPending, markFeatureWorkPending } from '../../core/studio/featureTasks';
import { materializeDataset } from '../../core/datasets/materialize';
import { AvError } from '../../core/errors';
import { action, emit, fail, textTable } from '../output';
import { addHomeOption, withStudio } from '../studio';

interface Common {
  home?: string;
  json?: boolean;
}

function progressLine(label: string, json?: boolean): (p: { done: number; total: number }) => void {
  let last = 0;
  return (p) => {
    if (json || !process.stderr.isTTY) return;
    const now = Date.now();
    if (now - last < 250 && p.done < p.total) return;
    last = now;
    process.stderr.write(`\r${label}: ${p.done}/${p.total}${p.done >= p.total ? '\n' : ''}`);
  };
}

function countsTable(counts: Array<{ instrument: string; train: number; test: number }>, reference?: Array<{ instrument: string; train: number; test: number }> | null): string {
  const ref = new Map((reference ?? []).map((r) => [r.instrument, r]));
  const header = reference ? ['category', 'train', 'test', 'paper train', 'paper test'] : ['category', 'train', 'test'];
  const names = [...new Set([...counts.map((c) => c.instrument), ...ref.keys()])].sort();
  const rows = names.map((n) => {
    const c = counts.find((x) => x.instrument === n) ?? { train: 0, test: 0 };
    const r = ref.get(n);
    return reference ? [n, c.train, c.test, r?.train ?? '-', r?.test ?? '-'] : [n, c.train, c.test];
  });
  const total = counts.reduce((a, c) => [a[0] + c.train, a[1] + c.test], [0, 0]);
  rows.push(reference ? ['total', total[0], total[1], [...ref.values()].reduce((n, r) => n + r.train, 0), [...ref.values()].reduce((n, r) => n + r.test, 0)] : ['total', total[0], total[1]]);
  return textTable(header, rows);
}

function ingestReport(r: IngestOutcome): string {
  const lines = [`dataset "${r.dataset.name}" (id ${r.dataset.id}): ${r.added} new pair(s), ${r.staged} produced, ${r.dataset.pairCount} in the dataset`, countsTable(r.dataset.counts)];
  if (r.skipped.length) {
    lines.push(`skipped ${r.skipped.length} item(s):`);
    for (const s of r.skipped) lines.push(`  ${s.file}: ${s.reason}`);
  }
  return lines.join('\n');
}

async function runIngest(opts: Common, req: IngestRequest): Promise<void> {
  await withStudio(opts, async (ctx) => {
    const ctl = new AbortController();
    const onSigint = () => ctl.abort();
    process.once('SIGINT', onSigint);
    try {
      const r = await ingest(ctx.catalog, req, { events: ctx.events, signal: ctl.signal, onProgress: progressLine(`importing ${req.kind}`, opts.json) });
      // the pairs' features: computed by the next studio start in the background, or by `materialize` now
      if (r.added > 0) markFeatureWorkPending(ctx, r.dataset.id);
      emit(r, opts, (x) => `${ingestReport(x)}${x.added > 0 ? `\nfeatures: computed in the background when the studio starts, or now with \`avstudio materialize ${x.dataset.name}\`` : ''}`);
    } finally {
      process.off('SIGINT', onSigint);
    }
  });
}

function num(name: string, v: string | undefined, int = false): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || (int && !Number.isInteger(n))) throw new AvError('bad_request', `${name} must be a${int ? 'n integer' : ' number'}, got "${v}"`);
  return n;
}

async function datasetId(ctx: StudioContext, ref: string): Promise<number> {
  return (await callOrThrow(handlers, ctx, 'datasets.show', { dataset: /^\d+$/.test(ref) ? Number(ref) : ref })).id;
}

export function registerIngest(program: Command): void {
  const ing = program.command('ingest').description('import a dataset: urmp, inis, manifest or sub-urmp');
  addHomeOption(
    ing
      .command('urmp <dir>')
      .description('URMP folders → Sub-URMP pairs (0.5 s windows, 0.1 s stride, frame at the window start, video-level 80/20 split)')
      .option('--name <name>', 'dataset name', 'sub-urmp')
      .option('--seed <n>', 'split seed')
      .option('--rms-threshold <x>', 'drop windows with RMS below this (linear, full scale 1)')
      .option('--json', 'print the result as JSON'),
  ).action(
    action(async (dir: string, o: Common & { name: string; seed?: string; rmsThreshold?: string }) =>
      runIngest(o, { kind: 'urmp', path: dir, name: o.name, seed: num('--seed', o.seed, true), rmsThreshold: num('--rms-threshold', o.rmsThreshold) }),
    ),
  );
  addHomeOption(
    ing
      .command('inis')
      .description('INIS: picture folders per class + solo recordings per class; seeded 0.5 s chunks paired with same-class pictures')
      .requiredOption('--images <dir>', 'folder with one sub-folder of pictures per class')
      .requiredOption('--audio <dir>', 'folder with one sub-folder of recordings per class')
      .option('--name <name>', 'dataset name', 'inis')
      .option('--chunks <n>', 'chunks sampled per recording (default ≈ 7200/77)')
      .option('--seed <n>', 'sampling seed')
      .option('--json', 'print the result as JSON'),
  ).action(
    action(async (o: Common & { images: string; audio: string; name: string; chunks?: string; seed?: string }) =>
      runIngest(o, { kind: 'inis', images: o.images, audio: o.audio, name: o.name, chunksPerRecording: num('--chunks', o.chunks, true), seed: num('--seed', o.seed, true) }),
    ),
  );
  addHomeOption(
    ing
      .command('manifest <file>')
      .description('pairs listed in a CSV or JSON manifest (image, audio, start, class, split; paths relative to the manifest)')
      .option('--name <name>', 'dataset name', 'manifest')
      .option('--json', 'print the result as JSON'),
  ).action(action(async (file: string, o: Common & { name: string }) => runIngest(o, { kind: 'manifest', path: file, name: o.name })));
  addHomeOption(
    ing
      .command('sub-urmp <dir>')
      .description('a Sub-URMP release folder (img/ and chunk/, train and validation)')
      .option('--name <name>', 'dataset name', 'sub-urmp-release')
      .option('--json', 'print the result as JSON'),
  ).action(action(async (dir: string, o: Common & { name: string }) => runIngest(o, { kind: 'sub-urmp', path: dir, name: o.name })));
}

export function registerDatasets(program: Command): void {
  const ds = addHomeOption(program.command('datasets').description('list datasets with their train/test counts (Table 2 / Table 3)').option('--json', 'print as JSON')).action(
    action(async (o: Common) => {
      await withStudio(o, async (ctx) => {
        const list = await callOrThrow(handlers, ctx, 'datasets.list', {});
        emit(list, o, (l) => (l.length ? textTable(['id', 'name', 'kind', 'pairs', 'instruments'], l.map((d) => [d.id, d.name, d.kind, d.pairCount, d.counts.length])) : 'no datasets yet'));
      });
    }),
  );
  addHomeOption(ds.command('show <dataset>').description("a dataset's per-category counts next to the paper's, and its import reports").option('--json', 'print as JSON')).action(
    action(async (ref: string, own: Common, cmd: Command) => {
      // --home / --json may be given before `show` (parsed by `datasets`) or after it
      const o = cmd.optsWithGlobals<Common>();
      void own;
      try {
        await withStudio(o, async (ctx) => {
          const d = await callOrThrow(handlers, ctx, 'datasets.show', { dataset: /^\d+$/.test(ref) ? Number(ref) : ref });
          emit(d, o, (x) => {
            const lines = [`${x.name} (id ${x.id}, ${x.kind}): ${x.pairCount} pairs not rejected`, countsTable(x.counts, x.reference)];
            const last = x.reports[0];
            if (last) lines.push(`last import: ${last.status}, ${last.added} added, ${last.skipped.length} skipped${last.error ? ` (${last.error})` : ''}`);
            for (const s of last?.skipped ?? []) lines.push(`  ${s.file}: ${s.reason}`);
            return lines.join('\n');
          });
        });
      } catch (err) {
        fail(err, o);
      }
    }),
  );
}

export function registerPairs(program: Command): void {
  addHomeOption(
    program
      .command('pairs <dataset>')
      .description('list the pairs of a dataset')
      .option('--instrument <code>', 'only this instrument')
      .option('--split <split>', 'train or test')
      .option('--state <state>', 'pending, accepted or rejected')
      .option('--limit <n>', 'at most this many', '50')
      .option('--offset <n>', 'skip this many', '0')
      .option('--json', 'print as JSON'),
  ).action(
    action(async (ref: string, o: Common & { instrument?: string; split?: string; state?: string; limit: string; offset: string }) => {
      await withStudio(o, async (ctx) => {
        const input = {
          datasetId: await datasetId(ctx, ref),
          instrument: o.instrument,
          split: o.split,
          state: o.state,
          limit: num('--limit', o.limit, true),
          offset: num('--offset', o.offset, true),
        } as ApiInput<'pairs.list'>;
        const r = await callOrThrow(handlers, ctx, 'pairs.list', input);
        emit(r, o, (x) =>
          [
            textTable(
              ['id', 'instrument', 'split', 'audio', 'video/image', 'start s', 'state'],
              x.items.map((p: Pair) => [p.id, p.instrument, p.split, p.audio.name, p.video?.name ?? p.image?.name ?? '-', p.startS.toFixed(3), p.state]),
            ),
            `${x.items.length} of ${x.total}`,
          ].join('\n'),
        );
      });
    }),
  );
}

function parseEdit(verb: string, value: string | undefined): ApiInput<'pairs.edit'>['edit'] {
  const need = () => {
    if (value === undefined) throw new AvError('bad_request', `"${verb}" needs a value`);
    return value;
  };
  switch (verb) {
    case 'accept':
    case 'reject':
    case 'reset':
      return { action: verb };
    case 'relabel':
      return { action: 'relabel', instrument: need() };
    case 'move':
      return { action: 'move', startS: num('start', need())! };
    case 'crop': {
      const v = need();
      if (v === 'none') return { action: 'crop', crop: null };
      const parts = v.split(',').map((s) => num('crop', s.trim(), true)!);
      if (parts.length !== 4) throw new AvError('bad_request', 'crop is x,y,w,h (pixels) or none');
      return { action: 'crop', crop: { x: parts[0], y: parts[1], w: parts[2], h: parts[3] } };
    }
    case 'repair':
      return { action: 'repair', chunkFromPairId: num('pair id', need(), true)! };
    default:
      throw new AvError('bad_request', `unknown pair action "${verb}" (accept, reject, reset, relabel <inst>, move <startS>, crop <x,y,w,h|none>, repair <pairId>, history)`);
  }
}

export function registerCuration(program: Command): void {
  addHomeOption(
    program
      .command('pair <id> <action> [value]')
      .description('curate a pair: accept | reject | reset | relabel <inst> | move <startS> | crop <x,y,w,h|none> (whole track) | repair <pairId> (take that pair\'s chunk) | history')
      .option('--json', 'print as JSON'),
  ).action(
    action(async (id: string, verb: string, value: string | undefined, o: Common) => {
      await withStudio(o, async (ctx) => {
        const pairId = num('pair id', id, true)!;
        if (verb === 'history') {
          const h = await callOrThrow(handlers, ctx, 'pairs.history', { pairId });
          emit(h, o, (x) => (x.length ? textTable(['edit', 'at', 'field', 'old', 'new', 'undone'], x.map((e) => [e.id, e.at, e.field, JSON.stringify(e.oldValue), JSON.stringify(e.newValue), e.undone ? 'yes' : ''])) : 'no edits'));
          return;
        }
        const p = await callOrThrow(handlers, ctx, 'pairs.edit', { id: pairId, edit: parseEdit(verb, value) });
        emit(p, o, (x) => `pair ${x.id}: ${x.instrument} ${x.split} start ${x.startS.toFixed(3)} s, ${x.state}${x.crop ? `, crop ${x.crop.x},${x.crop.y},${x.crop.w},${x.crop.h}` : ''}`);
      });
    }),
  );
  addHomeOption(
    program
      .command('undo [pairId]')
      .description('undo the latest edit of a pair (or, with --dataset, of a dataset)')
      .option('--dataset <dataset>', 'undo the latest edit made in this dataset')
      .option('--json', 'print as JSON'),
  ).action(
    action(async (pairId: string | undefined, o: Common & { dataset?: string }) => {
      await withStudio(o, async (ctx) => {
        if ((pairId === undefined) === (o.dataset === undefined)) throw new AvError('bad_request', 'give a pair id or --dataset');
        const input = pairId !== undefined ? { pairId: num('pair id', pairId, true) } : { datasetId: await datasetId(ctx, o.dataset!) };
        const r = await callOrThrow(handlers, ctx, 'pairs.undo', input);
        emit(r, o, (x) => x.undone.map((e) => `undid ${e.field} on pair ${e.pairId}: back to ${JSON.stringify(e.oldValue)}`).join('\n'));
      });
    }),
  );
  addHomeOption(program.command('snapshot <dataset>').description("freeze the dataset's non-rejected pairs (for training runs)").option('--json', 'print as JSON')).action(
    action(async (ref: string, o: Common) => {
      await withStudio(o, async (ctx) => {
        const s = await callOrThrow(handlers, ctx, 'datasets.snapshot', { datasetId: await datasetId(ctx, ref) });
        emit(s, o, (x) => `snapshot ${x.id}: ${x.pairCount} pairs, content ${x.contentHash.slice(0, 16)}…`);
      });
    }),
  );
}

export function registerExport(program: Command): void {
  addHomeOption(
    program
      .command('export <dataset>')
      .description('write a dataset in the Sub-URMP release layout (img/ + chunk/, train + validation)')
      .requiredOption('--layout <layout>', 'output layout (sub-urmp)')
      .requiredOption('--out <dir>', 'output folder (Sub-URMP/ is created inside)')
      .option('--accepted-only', 'only pairs a curator accepted (default: every pair not rejected)')
      .option('--json', 'print as JSON'),
  ).action(
    action(async (ref: string, o: Common & { layout: string; out: string; acceptedOnly?: boolean }) => {
      if (o.layout !== 'sub-urmp') throw new AvError('bad_request', `unknown layout "${o.layout}" (sub-urmp)`);
      await withStudio(o, async (ctx) => {
        const r = await callOrThrow(handlers, ctx, 'datasets.export', { datasetId: await datasetId(ctx, ref), layout: 'sub-urmp', out: o.out, acceptedOnly: !!o.acceptedOnly });
        emit(r, o, (x) => [`wrote ${x.written} pair(s) to ${x.out}`, ...x.skipped.map((s) => `  pair ${s.pairId} skipped: ${s.reason}`)].join('\n'));
      });
    }),
  );
  addHomeOption(
    program
      .command('materialize <dataset>')
      .description('compute and store the missing LMS (128×44) and 64×64 pictures of every pair, on every core; resumes where an earlier run stopped')
      .option('--only <feature>', 'only lms or only image (a sound classifier needs only lms)')
      .option('--workers <n>', 'jobs at a time: this process plus n − 1 worker threads (default: one per core)')
      .option('--json', 'print as JSON'),
  ).action(
    action(async (ref: string, o: Common & { only?: string; workers?: string }) => {
      if (o.only !== undefined && o.only !== 'lms' && o.only !== 'image') throw new AvError('bad_request', `--only must be lms or image, got "${o.only}"`);
      const workers = num('--workers', o.workers, true);
      if (workers !== undefined && workers < 0) throw new AvError('bad_request', '--workers must be 0 or more');
      await withStudio(o, async (ctx) => {
        const ctl = new AbortController();
        const onSigint = () => ctl.abort();
        process.once('SIGINT', onSigint);
        try {
          const t0 = performance.now();
          const id = await datasetId(ctx, ref);
          const r = await materializeDataset(ctx.catalog, ctx.blobs, id, {
            signal: ctl.signal,
            workers,
            features: o.only ? [o.only as 'lms' | 'image'] : undefined,
            thumbsDir: ctx.home.thumbsDir,
            onProgress: progressLine('features', o.json),
          });
          const seconds = (performance.now() - t0) / 1000;
          if (!o.only) clearFeatureWorkPending(ctx, id);
          const computedPairs = r.pairs - Math.min(r.cached.lms, r.cached.image);
          emit({ ...r, seconds: Math.round(seconds * 1000) / 1000, pairsPerSecond: seconds > 0 ? Math.round((computedPairs / seconds) * 10) / 10 : null }, o, (x) =>
            `${x.pairs} pairs: computed ${x.computed.lms} LMS + ${x.computed.image} pictures, ${x.cached.lms} + ${x.cached.image} already stored${x.failed.length ? `, ${x.failed.length} failed` : ''} in ${x.seconds.toFixed(1)} s${x.pairsPerSecond ? ` (${x.pairsPerSecond} pairs/s)` : ''}` +
            x.failed.slice(0, 20).map((f) => `\n  pair ${f.pairId}: ${f.reason}`).join(''),
          );
        } finally {
          process.off('SIGINT', onSigint);
        }
      });
    }),
  );
}
