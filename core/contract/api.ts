// The studio's one API, defined once: every method's input and output schema and every live event.
// Electron IPC (preload), `avstudio serve` (HTTP + WebSocket) and the renderer's client all use
// these schemas; nothing crosses a process boundary unvalidated. This file imports only zod, so the
// renderer can import it (the lint layer rule allows exactly this file from core/).
import { z } from 'zod';
import { DatasetFeaturesSchema, FeatureTaskSchema, MaterializeInputSchema, PairGroupsInputSchema, PairGroupsSchema, PairLmsSchema, PairPictureSchema } from './datasetsContract';
import { EvaluateInputSchema, EvaluateResultSchema, ResultTableSchema, TableBuildInputSchema, TableExportInputSchema, TableExportResultSchema } from './tablesContract';
import { AnnotateInputSchema, GenerateInputSchema, GenerateResultSchema, LaunchInputSchema, LaunchResultSchema, MetricPointSchema, RunDetailSchema, RunMetricsInputSchema, RunSummarySchema } from './runsContract';
import {
  HumanEvalAddRaterInputSchema,
  HumanEvalCreateInputSchema,
  HumanEvalRaterSchema,
  HumanEvalResultsInputSchema,
  HumanEvalResultsSchema,
  HumanEvalSessionSchema,
  RaterScoreInputSchema,
  RaterScoreResultSchema,
  RaterStateInputSchema,
  RaterStateSchema,
} from './humanEvalContract';

export * from './runsContract';
export * from './tablesContract';
export * from './datasetsContract';
export * from './humanEvalContract';

export const ErrorPayloadSchema = z.object({
  kind: z.string(),
  message: z.string(),
  file: z.string().optional(),
  details: z.unknown().optional(),
});

const Id = z.number().int().positive();
export const SplitSchema = z.enum(['train', 'test']);
export const PairStateSchema = z.enum(['pending', 'accepted', 'rejected']);

export const CategoryCountSchema = z.object({ instrument: z.string(), train: z.number().int(), test: z.number().int() });

export const DatasetSummarySchema = z.object({
  id: Id,
  name: z.string(),
  kind: z.string(),
  description: z.string(),
  createdAt: z.string(),
  pairCount: z.number().int(),
  counts: z.array(CategoryCountSchema),
});
export type DatasetSummary = z.infer<typeof DatasetSummarySchema>;

const MediaRef = z.object({ id: Id, hash: z.string(), name: z.string() });
export const CropSchema = z.object({ x: z.number(), y: z.number(), w: z.number().positive(), h: z.number().positive() });

export const PairSchema = z.object({
  id: Id,
  datasetId: Id,
  instrument: z.string(),
  split: SplitSchema,
  state: PairStateSchema,
  startS: z.number(),
  durS: z.number(),
  frameS: z.number().nullable(),
  groupKey: z.string(),
  crop: CropSchema.nullable(),
  audio: MediaRef,
  image: MediaRef.nullable(),
  video: MediaRef.nullable(),
});
export type Pair = z.infer<typeof PairSchema>;

// Datasets (issues 5 and 11): ingest, Table 2/3 counts, curation, snapshots, export.
export const SkipEntrySchema = z.object({ file: z.string(), reason: z.string() });
export const IngestInputSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('urmp'), path: z.string().min(1), name: z.string().min(1).max(120).optional(), seed: z.number().int().optional(), rmsThreshold: z.number().min(0).optional() }).strict(),
  z
    .object({
      kind: z.literal('inis'),
      images: z.string().min(1),
      audio: z.string().min(1),
      name: z.string().min(1).max(120).optional(),
      seed: z.number().int().optional(),
      chunksPerRecording: z.number().int().min(1).max(100_000).optional(),
      rmsThreshold: z.number().min(0).optional(),
    })
    .strict(),
  z.object({ kind: z.literal('manifest'), path: z.string().min(1), name: z.string().min(1).max(120).optional() }).strict(),
  z.object({ kind: z.literal('sub-urmp'), path: z.string().min(1), name: z.string().min(1).max(120).optional() }).strict(),
]);
export const IngestResultSchema = z.object({
  dataset: DatasetSummarySchema,
  reportId: Id,
  added: z.number().int(),
  staged: z.number().int(),
  skipped: z.array(SkipEntrySchema),
});
export const ImportReportSchema = z.object({
  id: Id,
  kind: z.string(),
  status: z.string(),
  startedAt: z.string(),
  finishedAt: z.string().nullable(),
  added: z.number().int(),
  skipped: z.array(SkipEntrySchema),
  error: z.string().nullable(),
});
export const DatasetDetailsSchema = DatasetSummarySchema.extend({
  reference: z.array(CategoryCountSchema).nullable(),
  reports: z.array(ImportReportSchema),
});
export const PairEditSchema = z.discriminatedUnion('action', [
  z.object({ action: z.literal('accept') }).strict(),
  z.object({ action: z.literal('reject') }).strict(),
  z.object({ action: z.literal('reset') }).strict(),
  z.object({ action: z.literal('relabel'), instrument: z.string().min(1).max(64) }).strict(),
  z.object({ action: z.literal('split'), split: SplitSchema }).strict(),
  z.object({ action: z.literal('move'), startS: z.number().min(0) }).strict(),
  z.object({ action: z.literal('crop'), crop: CropSchema.nullable() }).strict(),
  z.object({ action: z.literal('repair'), chunkFromPairId: Id }).strict(),
]);
export const PairEditRecordSchema = z.object({
  id: Id,
  pairId: Id,
  at: z.string(),
  field: z.string(),
  oldValue: z.record(z.string(), z.unknown()),
  newValue: z.record(z.string(), z.unknown()),
  undone: z.boolean(),
  batch: z.string().nullable(),
  /** who made the edit: OS user and door ("ana (CLI)"); null before the studio recorded it */
  actor: z.string().nullable(),
  /** the edit as a sentence for History ("moved the window 1.00 → 1.06 s"; core/datasets/editText) */
  text: z.string().optional(),
});
export const SnapshotSchema = z.object({ id: Id, datasetId: Id, createdAt: z.string(), pairCount: z.number().int(), contentHash: z.string() });

export const StatusSchema = z.object({
  version: z.string(),
  home: z.string(),
  catalogFile: z.string(),
  schemaVersion: z.number().int(),
  backend: z.object({ kind: z.enum(['gpu', 'native', 'cpu-fast', 'cpu-js']), package: z.string(), detail: z.string() }),
  ffmpeg: z.object({ path: z.string(), source: z.string(), version: z.string() }).nullable(),
  counts: z.object({ datasets: z.number().int(), pairs: z.number().int(), runs: z.number().int() }),
});
export type Status = z.infer<typeof StatusSchema>;

function method<I extends z.ZodType, O extends z.ZodType>(input: I, output: O, doc: string) {
  return { input, output, doc };
}

/** Every method of the API. Names are `<area>.<verb>`. */
export const API = {
  'studio.status': method(z.object({}).strict(), StatusSchema, 'Version, data directory, TensorFlow.js backend, ffmpeg and catalog counts.'),
  'datasets.list': method(z.object({}).strict(), z.array(DatasetSummarySchema), 'Every dataset with its per-instrument train/test counts.'),
  'datasets.createDemo': method(
    z.object({ name: z.string().min(1).max(120).optional() }).strict(),
    DatasetSummarySchema,
    'Synthesises the built-in demo dataset (tones with distinct timbres + rendered images per instrument).',
  ),
  'pairs.list': method(
    z
      .object({
        datasetId: Id,
        instrument: z.string().max(64).optional(),
        split: SplitSchema.optional(),
        state: PairStateSchema.optional(),
        search: z.string().max(200).optional(),
        /** one track / recording (a pair's groupKey) */
        group: z.string().max(1000).optional(),
        offset: z.number().int().min(0).default(0),
        limit: z.number().int().min(1).max(1000).default(100),
      })
      .strict(),
    z.object({ total: z.number().int(), items: z.array(PairSchema) }),
    'Pairs of a dataset, filtered and paged.',
  ),
  'pairs.get': method(z.object({ id: Id }).strict(), PairSchema, 'One pair.'),
  'pairs.picture': method(z.object({ id: Id }).strict(), PairPictureSchema, "The pair's picture (whole, cropped full size, 64×64), rendered into the blob store for /media."),
  'pairs.lms': method(z.object({ id: Id }).strict(), PairLmsSchema, "The pair's 128×44 log-mel spectrogram (dB) for a heat map."),
  'pairs.groups': method(PairGroupsInputSchema, PairGroupsSchema, 'The tracks / recordings (group keys) of a dataset with their pair counts.'),
  'datasets.features': method(z.object({ datasetId: Id }).strict(), DatasetFeaturesSchema, "How many of a dataset's pairs have their LMS and 64×64 picture stored, and its feature task."),
  'datasets.materialize': method(MaterializeInputSchema, FeatureTaskSchema, "Starts (or returns the running) background task computing a dataset's missing features; emits features.progress; cancel with tasks.cancel."),
  'runs.list': method(z.object({}).strict(), z.array(RunSummarySchema), 'Every training run, oldest first.'),
  'runs.get': method(z.object({ id: Id }).strict(), RunDetailSchema, 'A run with its frozen config, checkpoints, evaluations and sample grids.'),
  'runs.launch': method(LaunchInputSchema, LaunchResultSchema, 'Queues a run (and the encoder/evaluator runs it needs) on a new snapshot of the dataset.'),
  'runs.preview': method(LaunchInputSchema, z.array(z.object({ model: z.string(), reason: z.string(), config: z.record(z.string(), z.unknown()) })), 'The runs a launch would queue, with their resolved configs; writes nothing.'),
  'runs.annotate': method(AnnotateInputSchema, RunSummarySchema, "Sets a run's tags and notes."),
  'runs.stop': method(z.object({ id: Id }).strict(), RunSummarySchema, 'Asks a queued or running run to stop; it keeps its last checkpoint.'),
  'runs.resume': method(z.object({ id: Id }).strict(), RunSummarySchema, 'Queues a stopped or interrupted run to continue from its last checkpoint.'),
  'runs.generate': method(GenerateInputSchema, GenerateResultSchema, "A GAN run's outputs for pairs and seeds (PNG hashes for /media), with the evaluator's predicted class."),
  'runs.metrics': method(RunMetricsInputSchema, z.array(MetricPointSchema), 'Step and epoch metrics of a run (all, or the named ones).'),
  'tables.build': method(TableBuildInputSchema, ResultTableSchema, 'Builds Table 1/2/3/5, Fig. 8/9 or the I2S result as a table model whose cells carry their provenance (runs, epoch, split).'),
  'tables.export': method(TableExportInputSchema, TableExportResultSchema, 'A table or figure rendered as csv, md, latex, json, svg (text) or png (base64).'),
  'runs.evaluate': method(EvaluateInputSchema, EvaluateResultSchema, 'Evaluates a run at a checkpoint (default: the last) and stores the evaluation rows (§5).'),
  'datasets.previewImport': method(
    z.discriminatedUnion('kind', [
      z
        .object({
          kind: z.enum(['sub-urmp', 'urmp', 'manifest']),
          path: z.string().min(1),
          seed: z.number().int().optional(),
          /** the dataset the import would write to (a URMP re-import keeps the splits it stores) */
          name: z.string().min(1).max(120).optional(),
        })
        .strict(),
      z.object({ kind: z.literal('inis'), images: z.string().min(1), audio: z.string().min(1), seed: z.number().int().optional() }).strict(),
    ]),
    z.object({
      kind: z.enum(['sub-urmp', 'urmp', 'manifest', 'inis']),
      root: z.string(),
      unit: z.enum(['pairs', 'tracks', 'recordings']),
      categories: z.array(z.object({ instrument: z.string(), train: z.number().int(), test: z.number().int() })),
      total: z.number().int(),
      skipped: z.array(SkipEntrySchema),
      warnings: z.array(z.string()),
      note: z.string(),
    }),
    'A dry run of an import: pairs per category and split, what would be skipped and why, warnings; writes nothing.',
  ),
  'files.browse': method(
    z.object({ path: z.string().max(4096).optional() }).strict(),
    z.object({
      path: z.string(),
      parent: z.string().nullable(),
      roots: z.array(z.string()),
      entries: z.array(z.object({ name: z.string(), kind: z.enum(['dir', 'file', 'outside']), bytes: z.number().int().optional() })),
      truncated: z.number().int(),
    }),
    "Lists one folder on the server machine for the import wizard's folder picker, inside the user's home and AVSTUDIO_BROWSE_ROOTS only (symlinks resolved first).",
  ),
  'datasets.ingest': method(IngestInputSchema, IngestResultSchema, 'Imports URMP, INIS, a manifest or a Sub-URMP release from a path on the server machine; emits task.progress.'),
  'tasks.cancel': method(z.object({ taskId: z.string().min(1).max(200) }).strict(), z.object({ cancelled: z.boolean() }), 'Cancels a running long task (an import) by the id its task.progress events carry.'),
  'datasets.show': method(z.object({ dataset: z.union([Id, z.string().min(1)]) }).strict(), DatasetDetailsSchema, 'A dataset with its Table 2/3 counts, the paper\'s reference counts and its import reports.'),
  'datasets.snapshot': method(z.object({ datasetId: Id }).strict(), SnapshotSchema, 'Freezes the dataset\'s non-rejected pairs.'),
  'datasets.export': method(
    z.object({ datasetId: Id, layout: z.literal('sub-urmp'), out: z.string().min(1), acceptedOnly: z.boolean().default(false) }).strict(),
    z.object({ out: z.string(), written: z.number().int(), skipped: z.array(z.object({ pairId: Id, reason: z.string() })) }),
    'Writes the dataset\'s pairs in the Sub-URMP release layout on the server machine.',
  ),
  'pairs.edit': method(z.object({ id: Id, edit: PairEditSchema }).strict(), PairSchema, 'Curates a pair (accept, reject, reset, relabel, move, crop the track, re-pair); recorded and undoable.'),
  'pairs.bulkEdit': method(
    z
      .object({
        datasetId: Id,
        ids: z.array(Id).min(1).max(5000),
        edit: z.discriminatedUnion('action', [
          z.object({ action: z.literal('accept') }).strict(),
          z.object({ action: z.literal('reject') }).strict(),
          z.object({ action: z.literal('reset') }).strict(),
          z.object({ action: z.literal('relabel'), instrument: z.string().min(1).max(64) }).strict(),
          z.object({ action: z.literal('split'), split: SplitSchema }).strict(),
        ]),
      })
      .strict(),
    z.object({ pairs: z.array(PairSchema), changed: z.number().int(), batch: z.string().nullable() }),
    'Accepts, rejects, resets, relabels or moves to a split many pairs at once; one batch, reverted by one undo.',
  ),
  'pairs.undo': method(
    z.object({ pairId: Id.optional(), datasetId: Id.optional() }).strict().refine((v) => (v.pairId === undefined) !== (v.datasetId === undefined), 'give exactly one of pairId, datasetId'),
    z.object({ undone: z.array(PairEditRecordSchema) }),
    'Undoes the latest edit of a pair, or of a dataset.',
  ),
  'pairs.history': method(z.object({ pairId: Id }).strict(), z.array(PairEditRecordSchema), 'Every curation edit of a pair, oldest first.'),
  'humaneval.create': method(HumanEvalCreateInputSchema, HumanEvalSessionSchema, 'Creates a blind scoring session (§5.2.1): N sets per instrument of one image per S2I run plus the ground truth, with raters.'),
  'humaneval.list': method(z.object({}).strict(), z.array(HumanEvalSessionSchema), 'Every human-evaluation session with its raters and their progress, newest first.'),
  'humaneval.get': method(z.object({ id: Id }).strict(), HumanEvalSessionSchema, 'One human-evaluation session.'),
  'humaneval.addRater': method(HumanEvalAddRaterInputSchema, HumanEvalRaterSchema, 'Adds a named rater (with a seeded presentation order and a link token), or returns the one with that name.'),
  'humaneval.setStatus': method(z.object({ id: Id, status: z.enum(['open', 'closed']) }).strict(), HumanEvalSessionSchema, 'Closes a session (scores freeze) or reopens it.'),
  'humaneval.results': method(HumanEvalResultsInputSchema, HumanEvalResultsSchema, 'Fig. 8 numbers per method (n, mean, std, CI, 0–3 histogram, per instrument) once scoring is complete, or forced.'),
  'humaneval.rater.state': method(RaterStateInputSchema, RaterStateSchema, "A rater's blind view: instrument and image per item in their order, their scores; never the method."),
  'humaneval.rater.score': method(RaterScoreInputSchema, RaterScoreResultSchema, 'Saves one 0–3 score of a rater for an item (overwrites; time on the item in ms).'),
} as const;

export type ApiMethod = keyof typeof API;
export type ApiInput<M extends ApiMethod> = z.input<(typeof API)[M]['input']>;
export type ApiParsedInput<M extends ApiMethod> = z.output<(typeof API)[M]['input']>;
export type ApiOutput<M extends ApiMethod> = z.output<(typeof API)[M]['output']>;
export const API_METHODS = Object.keys(API) as ApiMethod[];

export function isApiMethod(name: string): name is ApiMethod {
  return Object.prototype.hasOwnProperty.call(API, name);
}

/** Live events pushed to every client (WebSocket, IPC). */
const MetricValues = z.record(z.string(), z.number().nullable());

export const EventSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('run.updated'), runId: Id, status: z.string(), epoch: z.number().int() }),
  z.object({ type: z.literal('run.step'), runId: Id, epoch: z.number().int(), step: z.number().int(), metrics: MetricValues }),
  z.object({
    type: z.literal('run.epoch'),
    runId: Id,
    epoch: z.number().int(),
    seconds: z.number(),
    itemsPerSecond: z.number(),
    metrics: MetricValues,
    sampleHash: z.string().nullable(),
  }),
  z.object({ type: z.literal('run.log'), runId: Id, level: z.enum(['info', 'warn']), message: z.string() }),
  z.object({ type: z.literal('datasets.changed'), datasetId: Id.optional() }),
  /** pairs of a dataset were edited, undone or re-paired (a second window refreshes what it shows) */
  z.object({ type: z.literal('pairs.changed'), datasetId: Id, pairIds: z.array(Id) }),
  /** a human-evaluation session changed: created, a rater added, a score given, closed/reopened, results forced */
  z.object({ type: z.literal('humaneval.changed'), sessionId: Id, scored: z.number().int().optional(), total: z.number().int().optional() }),
  FeatureTaskSchema.extend({ type: z.literal('features.progress') }),
  z.object({
    type: z.literal('task.progress'),
    taskId: z.string(),
    label: z.string(),
    done: z.number(),
    total: z.number(),
    message: z.string().optional(),
  }),
]);
export type StudioEvent = z.infer<typeof EventSchema>;

/** What the renderer's client calls, whichever door it came through. */
export interface StudioApi {
  call<M extends ApiMethod>(method: M, input: ApiInput<M>): Promise<ApiOutput<M>>;
  onEvent(listener: (e: StudioEvent) => void): () => void;
  /** a stored or imported file by content hash; 'thumb': what a grid card shows (a small copy of a large picture) */
  mediaUrl(hash: string, variant?: 'thumb'): string;
}

export const IPC_CALL_PREFIX = 'avstudio:api:';
export const IPC_EVENT_CHANNEL = 'avstudio:event';
/** Electron only: the native open dialog for the import wizard (the browser uses files.browse). */
export const IPC_PICK_PATH_CHANNEL = 'avstudio:pick-path';
export const PickPathRequestSchema = z
  .object({
    /** a file (a manifest) instead of a folder */
    file: z.boolean(),
    title: z.string().max(200).optional(),
    /** where the dialog opens; ignored when it is not an absolute path */
    defaultPath: z.string().max(4096).optional(),
  })
  .strict();
export type PickPathRequest = z.infer<typeof PickPathRequestSchema>;
/** The chosen absolute path, or null when the user cancelled. */
export const PickPathResultSchema = z.string().min(1).max(4096).nullable();
export const MEDIA_PROTOCOL = 'avstudio-media';
