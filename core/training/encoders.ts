// A finished encoder run, loaded for use by another run: the sound classifier (S2I-C / S2I-N
// condition), the stacked autoencoder (S2I-A condition), or the image classifier (I2S condition, and
// Γ, the evaluator of generated images, §5.2.2).
import type * as tfjs from '@tensorflow/tfjs';
import type { Catalog } from '../catalog/catalog';
import { AvError } from '../errors';
import { buildStackedAutoencoder } from '../models/autoencoder';
import { buildImageClassifier } from '../models/imageClassifier';
import { buildSoundClassifier, type EncoderClassifier } from '../models/soundClassifier';
import { presetFor, soundInputShapeFor } from '../runs/runConfig';
import { getRun, lastCheckpoint, type RunRow } from '../runs/runsRepo';
import { loadCheckpointModel } from './checkpointIO';
import { readRunCheckpointMeta } from './runCheckpoint';
import type { Tf } from '../tf/tfBackend';
import { join } from 'node:path';

export interface LoadedEncoder {
  run: RunRow;
  classes: string[];
  /** what the encoder eats: a spectrogram [h, w] or an image side */
  input: { kind: 'sound'; shape: readonly [number, number] } | { kind: 'image'; size: number };
  /** x → (N, 128) embedding */
  embedding: tfjs.LayersModel;
  /** x → class logits (classifiers only) */
  classifier: tfjs.LayersModel | null;
  dispose(): void;
}

async function copyWeights(tf: Tf, target: tfjs.LayersModel, dir: string): Promise<void> {
  const saved = await loadCheckpointModel(tf, dir);
  try {
    target.setWeights(saved.getWeights());
  } finally {
    saved.dispose();
  }
}

export function buildClassifierFor(tf: Tf, run: RunRow, numClasses: number): EncoderClassifier {
  const preset = presetFor(run.config);
  return run.config.model === 'sound-clf'
    ? buildSoundClassifier(tf, { preset, numClasses, inputShape: soundInputShapeFor(run.config), convLayers: run.config.soundConvLayers, seed: run.config.seed, name: `sound_clf_${run.id}` })
    : buildImageClassifier(tf, { preset, numClasses, seed: run.config.seed, name: `image_clf_${run.id}` });
}

export async function loadEncoderRun(tf: Tf, cat: Catalog, runsDir: string, runId: number, expected: string[]): Promise<LoadedEncoder> {
  const run = getRun(cat, runId);
  if (!expected.includes(run.config.model)) throw new AvError('bad_request', `run ${runId} is a ${run.config.model} run; expected ${expected.join(' or ')}`);
  if (run.config.model === 'sound-clf' && run.config.representation !== 'lms') {
    throw new AvError('bad_request', `run ${runId} is a sound classifier on ${run.config.representation.toUpperCase()} (Table 1): encoders and evaluators read LMS (§3.3)`);
  }
  const ckpt = lastCheckpoint(cat, runId);
  if (!ckpt) throw new AvError('not_found', `run ${runId} (${run.config.model}) has no checkpoint yet: train it first`);
  const meta = await readRunCheckpointMeta(ckpt.path);
  const preset = presetFor(run.config);
  if (run.config.model === 'autoencoder') {
    const ae = buildStackedAutoencoder(tf, { preset, seed: run.config.seed, name: `sound_ae_${run.id}` });
    for (const [k, stack] of ae.stacks.entries()) await copyWeights(tf, stack.autoencoder, join(ckpt.path, `stack${k + 1}`));
    return {
      run,
      classes: meta.classes,
      input: { kind: 'sound', shape: preset.autoencoderInputShape },
      embedding: ae.encoder,
      classifier: null,
      dispose: () => ae.stacks.forEach((s) => s.autoencoder.dispose()),
    };
  }
  const enc = buildClassifierFor(tf, run, meta.classes.length);
  await copyWeights(tf, enc.classifier, join(ckpt.path, 'classifier'));
  return {
    run,
    classes: meta.classes,
    input: run.config.model === 'sound-clf' ? { kind: 'sound', shape: preset.soundInputShape } : { kind: 'image', size: preset.imageSize },
    embedding: enc.embedding,
    classifier: enc.classifier,
    dispose: () => enc.classifier.dispose(),
  };
}

/** Runs a model over x in batches and concatenates the outputs. */
export function predictBatched(tf: Tf, model: tfjs.LayersModel, x: tfjs.Tensor, batchSize = 64): tfjs.Tensor {
  return predictFrom(tf, model, x.shape[0], (start, size) => x.slice(start, size), batchSize);
}

/**
 * Runs a model over N items whose inputs `batchAt(start, size)` builds batch by batch (called in a
 * tidy, so only one input batch is alive at a time) and concatenates the outputs.
 */
export function predictFrom(tf: Tf, model: tfjs.LayersModel, n: number, batchAt: (start: number, size: number) => tfjs.Tensor, batchSize = 64): tfjs.Tensor {
  const parts: tfjs.Tensor[] = [];
  for (let start = 0; start < n; start += batchSize) {
    parts.push(tf.tidy(() => model.predict(batchAt(start, Math.min(batchSize, n - start))) as tfjs.Tensor));
  }
  const out = tf.concat(parts);
  parts.forEach((p) => p.dispose());
  return out;
}
