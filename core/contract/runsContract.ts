// The runs part of the API contract (imported by api.ts; zod only, so the renderer may use it).
import { z } from 'zod';

const Id = z.number().int().positive();

export const MODEL_KIND_VALUES = ['sound-clf', 'image-clf', 'autoencoder', 's2i-c', 's2i-n', 's2i-a', 'i2s'] as const;
/** Sound-classifier input representations compared in Table 1 (§3.3); LMS is the paper's choice. */
export const REPRESENTATION_VALUES = ['lms', 'ms', 'mfcc', 'stft', 'cqt'] as const;
/** Model presets (core/models/presets.ts), largest first. */
export const PRESET_VALUES = ['paper', 'small', 'tiny'] as const;
export const RUN_STATUS_VALUES = ['queued', 'running', 'stopping', 'stopped', 'interrupted', 'failed', 'done'] as const;

export const RunSummarySchema = z.object({
  id: Id,
  model: z.enum(MODEL_KIND_VALUES),
  preset: z.string(),
  status: z.enum(RUN_STATUS_VALUES),
  epoch: z.number().int(),
  epochs: z.number().int(),
  datasetId: Id.nullable(),
  datasetName: z.string().nullable(),
  snapshotId: Id.nullable(),
  encoderRunId: Id.nullable(),
  evaluatorRunId: Id.nullable(),
  backend: z.string().nullable(),
  error: z.string().nullable(),
  createdAt: z.string(),
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
  /** best Γ accuracy on generated test images so far (S2I), or best test accuracy (classifiers) */
  bestAccuracy: z.number().nullable(),
  seed: z.number().int(),
  tags: z.array(z.string()),
  notes: z.string(),
  /** the frozen config's options a researcher compares runs by (run table columns) */
  batchSize: z.number().int(),
  learningRate: z.number(),
  representation: z.enum(REPRESENTATION_VALUES),
  wrongPairs: z.enum(['instrument', 'pose']),
  instrument: z.string().nullable(),
  convLayers: z.number().int(),
  /** mean seconds of the run's last (up to 5) finished epochs; null before the first one */
  secondsPerEpoch: z.number().nullable(),
  /** each kind of accuracy on the test split, named (never mixed): classifier accuracy of a classifier run, Γ accuracy on S2I output, sound-classifier accuracy on I2S output */
  accuracy: z.object({
    classifier: z.object({ last: z.number(), best: z.number() }).nullable(),
    gamma: z.object({ last: z.number(), best: z.number() }).nullable(),
    soundClf: z.object({ last: z.number(), best: z.number() }).nullable(),
  }),
  /** the last finished epoch's epoch/* metrics (d_loss, g_loss, loss, mse_stack4, …) */
  lastEpochMetrics: z.record(z.string(), z.number()),
});
export type RunSummary = z.infer<typeof RunSummarySchema>;

export const RunDetailSchema = RunSummarySchema.extend({
  config: z.record(z.string(), z.unknown()),
  checkpoints: z.array(z.object({ epoch: z.number().int(), step: z.number().int(), createdAt: z.string() })),
  evaluations: z.array(
    z.object({ epoch: z.number().int(), kind: z.string(), split: z.string(), instrument: z.string(), value: z.number(), n: z.number().int(), evaluatorRunId: Id.nullable() }),
  ),
  samples: z.array(z.object({ epoch: z.number().int(), hash: z.string(), meta: z.record(z.string(), z.unknown()) })),
  /** the worker's log kept with the run (runs/<id>/worker.log; its last 300 lines) */
  log: z.array(z.string()),
});
export type RunDetail = z.infer<typeof RunDetailSchema>;

export const LaunchInputSchema = z
  .object({
    model: z.enum(MODEL_KIND_VALUES),
    dataset: z.union([Id, z.string().min(1).max(200)]),
    preset: z.enum(PRESET_VALUES),
    epochs: z.number().int().min(1).max(10_000).optional(),
    seed: z.number().int().min(0).max(2 ** 31 - 1).optional(),
    snapshotId: Id.optional(),
    encoderRunId: Id.optional(),
    evaluatorRunId: Id.optional(),
    encoderEpochs: z.number().int().min(1).max(10_000).optional(),
    wrongPairs: z.enum(['instrument', 'pose']).optional(),
    instrument: z.string().min(1).max(64).optional(),
    soundConvLayers: z.union([z.literal(3), z.literal(4)]).optional(),
    /** sound-classifier input representation (Table 1); default lms */
    representation: z.enum(REPRESENTATION_VALUES).optional(),
    batchSize: z.number().int().min(2).max(4096).optional(),
  })
  .strict();

export const LaunchResultSchema = z.object({
  targetRunId: Id,
  runs: z.array(z.object({ runId: Id, model: z.enum(MODEL_KIND_VALUES), reason: z.string() })),
});

export const MetricPointSchema = z.object({ name: z.string(), step: z.number().int(), epoch: z.number().int(), value: z.number() });

export const RunMetricsInputSchema = z.object({ id: Id, names: z.array(z.string().max(100)).max(50).optional() }).strict();

export const GenerateInputSchema = z
  .object({
    id: Id,
    pairIds: z.array(Id).min(1).max(64),
    seeds: z.array(z.number().int().min(0).max(2 ** 31 - 1)).min(1).max(16),
    epoch: z.number().int().min(1).optional(),
  })
  .strict();

export const GenerateResultSchema = z.object({
  runId: Id,
  epoch: z.number().int(),
  items: z.array(
    z.object({
      pairId: Id,
      seed: z.number().int(),
      hash: z.string(),
      kind: z.enum(['image', 'lms']),
      predicted: z.object({ instrument: z.string(), confidence: z.number() }).nullable(),
    }),
  ),
});
export type GenerateResult = z.infer<typeof GenerateResultSchema>;

export const AnnotateInputSchema = z
  .object({ id: Id, tags: z.array(z.string().min(1).max(40)).max(20).optional(), notes: z.string().max(10_000).optional() })
  .strict();
