// Generation from a trained run (used by Compare and Human eval): for given pairs and seeds, the
// S2I generator's image for the pair's sound (with Γ's predicted class and confidence), or the I2S
// generator's LMS for the pair's image. Outputs are PNGs in the blob store. Networks are loaded once
// per run and checkpoint epoch and kept in this process.
import type * as tfjs from '@tensorflow/tfjs';
import { join } from 'node:path';
import type { StudioContext } from '../studio/context';
import { getPair } from '../catalog/pairsRepo';
import { pairFeatures } from '../datasets/materialize';
import { AvError } from '../errors';
import { toSignedFloat } from '../media/image';
import { buildI2SGenerator } from '../models/i2sGan';
import { buildS2IGenerator } from '../models/s2iGan';
import { ENCODER_FOR, isGanModel, presetFor } from '../runs/runConfig';
import { getRun, type RunRow } from '../runs/runsRepo';
import { loadCheckpointModel } from './checkpointIO';
import { loadEncoderRun, type LoadedEncoder } from './encoders';
import { readRunCheckpointMeta } from './runCheckpoint';
import { generatedLmsForEvaluator } from './ganTrainer';
import { imageGridPng, spectrogramGridPng } from './sampleGrid';
import { loadTf, type Tf } from '../tf/tfBackend';
import { imageTensor, lmsTensor, normaliseLms } from './trainingData';

export interface Generated {
  pairId: number;
  seed: number;
  /** PNG in the blob store: a 64×64 (upscaled for smaller presets) image, or an LMS heat map */
  hash: string;
  kind: 'image' | 'lms';
  /** Γ's (S2I) or the sound classifier's (I2S) predicted class for the generated output */
  predicted: { instrument: string; confidence: number } | null;
}

interface LoadedGenerator {
  run: RunRow;
  epoch: number;
  tf: Tf;
  generator: tfjs.LayersModel;
  encoder: LoadedEncoder;
  evaluator: LoadedEncoder | null;
}

const cache = new Map<string, Promise<LoadedGenerator>>();

async function loadGenerator(ctx: StudioContext, runId: number, epoch?: number): Promise<LoadedGenerator> {
  const run = getRun(ctx.catalog, runId);
  if (!isGanModel(run.config.model)) throw new AvError('bad_request', `run ${runId} is a ${run.config.model} run: only S2I and I2S runs generate`);
  const row = (epoch === undefined
    ? ctx.catalog.db.prepare('SELECT epoch, path FROM checkpoints WHERE run_id = ? ORDER BY epoch DESC LIMIT 1').get(runId)
    : ctx.catalog.db.prepare('SELECT epoch, path FROM checkpoints WHERE run_id = ? AND epoch = ?').get(runId, epoch)) as { epoch: number; path: string } | undefined;
  if (!row) throw new AvError('not_found', epoch === undefined ? `run ${runId} has no checkpoint yet` : `run ${runId} has no checkpoint for epoch ${epoch}`);
  const key = `${ctx.home.root}:${runId}:${row.epoch}`;
  let loading = cache.get(key);
  if (!loading) {
    loading = (async () => {
      const { tf } = await loadTf();
      await readRunCheckpointMeta(row.path);
      const preset = presetFor(run.config);
      const name = `${run.config.model.replace('-', '_')}_${runId}_gen${row.epoch}`;
      const generator = run.config.model === 'i2s' ? buildI2SGenerator(tf, { preset, seed: run.config.seed, name }) : buildS2IGenerator(tf, { preset, seed: run.config.seed, name });
      const saved = await loadCheckpointModel(tf, join(row.path, 'generator'));
      generator.setWeights(saved.getWeights());
      saved.dispose();
      const encoder = await loadEncoderRun(tf, ctx.catalog, ctx.home.runsDir, run.config.encoderRunId as number, [ENCODER_FOR[run.config.model] as string]);
      const evaluator = run.config.evaluatorRunId
        ? await loadEncoderRun(tf, ctx.catalog, ctx.home.runsDir, run.config.evaluatorRunId, [run.config.model === 'i2s' ? 'sound-clf' : 'image-clf'])
        : null;
      return { run, epoch: row.epoch, tf, generator, encoder, evaluator };
    })();
    cache.set(key, loading);
    loading.catch(() => cache.delete(key));
  }
  return loading;
}

/** The encoder's input for one pair: its normalised LMS, or its 64×64 image in [-1, 1]. */
async function conditionInput(ctx: StudioContext, tf: Tf, enc: LoadedEncoder, pairId: number): Promise<tfjs.Tensor4D> {
  const pair = getPair(ctx.catalog, pairId);
  if (!pair) throw new AvError('not_found', `no pair ${pairId}`);
  // the same cached features training read, normalised the same way
  const features = await pairFeatures(ctx.catalog, ctx.blobs, pair);
  if (enc.input.kind === 'sound') return lmsTensor(tf, [normaliseLms(features.lms.data)], enc.input.shape);
  return imageTensor(tf, [toSignedFloat(features.image)], enc.input.size);
}

export async function generateForPairs(ctx: StudioContext, runId: number, pairIds: number[], seeds: number[], epoch?: number): Promise<{ epoch: number; items: Generated[] }> {
  const g = await loadGenerator(ctx, runId, epoch);
  const { tf } = g;
  const preset = presetFor(g.run.config);
  const i2s = g.run.config.model === 'i2s';
  const items: Generated[] = [];
  for (const pairId of pairIds) {
    const input = await conditionInput(ctx, tf, g.encoder, pairId);
    const embedding = g.encoder.embedding.predict(input) as tfjs.Tensor;
    input.dispose();
    for (const seed of seeds) {
      const out = tf.tidy(() => g.generator.predict([tf.randomNormal([1, preset.zDim], 0, 1, 'float32', seed), embedding]) as tfjs.Tensor);
      const values = out.dataSync() as Float32Array;
      const png = i2s ? await spectrogramGridPng(values, 1, 1, 128, 34) : await imageGridPng(values, 1, 1, preset.imageSize, 64, 0);
      let predicted: Generated['predicted'] = null;
      if (g.evaluator?.classifier) {
        const ev = g.evaluator;
        const probs = tf.tidy(() => {
          const x = i2s ? out : ev.input.kind === 'image' && out.shape[1] !== ev.input.size ? tf.image.resizeBilinear(out as tfjs.Tensor4D, [ev.input.size, ev.input.size]) : out;
          return tf.softmax(ev.classifier!.predict(i2s ? generatedLmsForEvaluator(tf, x, ev) : x) as tfjs.Tensor);
        });
        const p = probs.dataSync();
        probs.dispose();
        let best = 0;
        for (let i = 1; i < p.length; i++) if (p[i] > p[best]) best = i;
        predicted = { instrument: ev.classes[best], confidence: p[best] };
      }
      out.dispose();
      items.push({ pairId, seed, hash: ctx.blobs.put(png, 'png'), kind: i2s ? 'lms' : 'image', predicted });
    }
    embedding.dispose();
  }
  return { epoch: g.epoch, items };
}
