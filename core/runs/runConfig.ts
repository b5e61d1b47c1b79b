// A run's frozen configuration: what is trained, on which dataset snapshot, with which encoder,
// preset and hyper-parameters. It is resolved once when the run is created, stored as JSON in the
// catalog, and read back (validated) by the worker; resuming never re-resolves it.
import { z } from 'zod';
import { MODEL_KIND_VALUES, PRESET_VALUES, REPRESENTATION_VALUES } from '../contract/runsContract';
import { AvError } from '../errors';
import { getPreset, REPRESENTATION_SHAPES, type ModelPreset, type PresetName } from '../models/presets';

export const MODEL_KINDS = MODEL_KIND_VALUES;
export type ModelKind = (typeof MODEL_KINDS)[number];

/** Which encoder run an S2I / I2S model's 128-d condition comes from (paper §3.1, §5.1). */
export const ENCODER_FOR: Partial<Record<ModelKind, ModelKind>> = {
  's2i-c': 'sound-clf', // S2I-C: sound-classifier embedding
  's2i-n': 'sound-clf', // S2I-N: same embedding, no mismatch term
  's2i-a': 'autoencoder', // S2I-A: stacked autoencoder embedding
  i2s: 'image-clf', // I2S: image-classifier embedding
};

/** Γ accuracy on generated images every 5 epochs (paper §5.2.2, Fig. 9). */
export const GAMMA_EVAL_EVERY = 5;

export const RunConfigSchema = z.object({
  model: z.enum(MODEL_KINDS),
  preset: z.enum(PRESET_VALUES),
  epochs: z.number().int().min(1).max(10_000),
  seed: z.number().int().min(0).max(2 ** 31 - 1),
  datasetId: z.number().int().positive(),
  snapshotId: z.number().int().positive(),
  /** the run whose encoder gives the condition (S2I / I2S) */
  encoderRunId: z.number().int().positive().nullable(),
  /** the image classifier Γ that scores generated images (S2I) */
  evaluatorRunId: z.number().int().positive().nullable(),
  /** instrument-oriented (wrong image of another instrument) or pose-oriented (same instrument, §3.2) */
  wrongPairs: z.enum(['instrument', 'pose']),
  /** pose-oriented S2I trains one model per instrument */
  instrument: z.string().nullable(),
  /** sound classifier depth (Table 1 compares 3 and 4 conv layers) */
  soundConvLayers: z.union([z.literal(3), z.literal(4)]),
  /** sound-classifier input representation (Table 1, §3.3); configs written before it existed are LMS */
  representation: z.enum(REPRESENTATION_VALUES).default('lms'),
  hyper: z.object({
    batchSize: z.number().int().positive(),
    learningRate: z.number().positive(),
    beta1: z.number().min(0).max(1),
    beta2: z.number().min(0).max(1),
    zDim: z.number().int().positive(),
    imageSize: z.union([z.literal(16), z.literal(32), z.literal(64)]),
    ngf: z.number().int().positive(),
    ndf: z.number().int().positive(),
  }),
  evalEvery: z.number().int().positive(),
  /** checkpoints kept: the last K and the best (core/runs/checkpointRetention.ts); 0 = every epoch's */
  keepCheckpoints: z.number().int().min(0).default(0),
  /** the sample grid saved each epoch: fixed conditions × fixed noise */
  sampleGrid: z.object({ conditions: z.number().int().positive(), noise: z.number().int().positive() }),
});
export type RunConfig = z.infer<typeof RunConfigSchema>;

export interface RunRequest {
  model: ModelKind;
  preset: PresetName;
  epochs?: number;
  seed?: number;
  datasetId: number;
  snapshotId: number;
  encoderRunId?: number | null;
  evaluatorRunId?: number | null;
  wrongPairs?: 'instrument' | 'pose';
  instrument?: string | null;
  soundConvLayers?: 3 | 4;
  representation?: (typeof REPRESENTATION_VALUES)[number];
  batchSize?: number;
  /** keep only the last K checkpoints and the best (0 or absent: every epoch's) */
  keepCheckpoints?: number;
}

/** Adam learning rate of the classifiers and the autoencoder (the paper is silent; Adam's default). */
export const ENCODER_LEARNING_RATE = 1e-3;

export const isGanModel = (m: ModelKind): boolean => m === 's2i-c' || m === 's2i-n' || m === 's2i-a' || m === 'i2s';

/**
 * Default epochs: the paper trains for many epochs; small runs are minutes on a CPU (README
 * "Fidelity"); tiny runs are for seconds-long checks.
 */
export const DEFAULT_EPOCHS: Record<PresetName, number> = { paper: 200, small: 20, tiny: 3 };

export function resolveRunConfig(req: RunRequest): RunConfig {
  const preset: ModelPreset = getPreset(req.preset);
  if (req.representation && req.representation !== 'lms' && req.model !== 'sound-clf') {
    throw new AvError('bad_request', `--representation ${req.representation} applies to sound-clf runs only (Table 1); ${req.model} runs use LMS`);
  }
  return RunConfigSchema.parse({
    model: req.model,
    preset: req.preset,
    epochs: req.epochs ?? DEFAULT_EPOCHS[req.preset],
    seed: req.seed ?? 1,
    datasetId: req.datasetId,
    snapshotId: req.snapshotId,
    encoderRunId: req.encoderRunId ?? null,
    evaluatorRunId: req.evaluatorRunId ?? null,
    wrongPairs: req.wrongPairs ?? 'instrument',
    instrument: req.instrument ?? null,
    soundConvLayers: req.soundConvLayers ?? 4,
    representation: req.representation ?? 'lms',
    hyper: {
      batchSize: req.batchSize ?? preset.batchSize,
      learningRate: isGanModel(req.model) ? preset.learningRate : ENCODER_LEARNING_RATE,
      beta1: preset.beta1,
      beta2: preset.beta2,
      zDim: preset.zDim,
      imageSize: preset.imageSize,
      ngf: preset.ngf,
      ndf: preset.ndf,
    },
    evalEvery: GAMMA_EVAL_EVERY,
    keepCheckpoints: req.keepCheckpoints ?? 0,
    sampleGrid: { conditions: 8, noise: 4 },
  });
}

/** The model preset with this run's hyper-parameters applied. */
export function presetFor(config: RunConfig): ModelPreset {
  const base = getPreset(config.preset);
  const h = config.hyper;
  return { ...base, batchSize: h.batchSize, learningRate: h.learningRate, beta1: h.beta1, beta2: h.beta2, zDim: h.zDim, imageSize: h.imageSize, ngf: h.ngf, ndf: h.ndf };
}

/**
 * The sound classifier's input [rows, frames]. LMS keeps the preset's shape (128×44 at `paper`); the
 * other Table 1 representations use their native shape at `paper` (REPRESENTATION_SHAPES); at `small`
 * at most 256 rows (STFT's 1025 bins resized to 256: 8× fewer than native, 2× LMS), and at `tiny`
 * the tiny spectrogram size with at most the representation's own number of rows.
 */
export function soundInputShapeFor(config: RunConfig): readonly [number, number] {
  const preset = getPreset(config.preset);
  const rep = config.representation ?? 'lms';
  if (rep === 'lms') return preset.soundInputShape;
  const native = REPRESENTATION_SHAPES[rep];
  if (config.preset === 'paper') return native;
  // tiny: at most the tiny spectrogram's rows; small: at most twice LMS's (STFT 1025 → 256 bins)
  const rows = config.preset === 'tiny' ? preset.soundInputShape[0] : 2 * preset.soundInputShape[0];
  return [Math.min(native[0], rows), preset.soundInputShape[1]];
}
