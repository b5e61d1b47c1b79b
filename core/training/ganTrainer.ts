// Training a GAN-CLS pair as a run (§3.2): S2I-C / S2I-N / S2I-A (image ← sound embedding) and I2S
// (LMS ← image embedding). The encoder run's embeddings of each split stay in memory, real items are
// read from the pack per batch; a fixed sample grid each epoch; Γ (S2I) or the sound classifier (I2S)
// scores generated items when evaluated (§5.2.2, §5.4).
import type * as tfjs from '@tensorflow/tfjs';
import { join } from 'node:path';
import { LMS_SHAPE } from '../media/constants';
import { fromGanSpectrogram, toGanSpectrogram } from '../media/resize';
import { featureMatrix } from '../media/spectrogram';
import { buildI2SDiscriminator, buildI2SGenerator } from '../models/i2sGan';
import { buildS2IDiscriminator, buildS2IGenerator } from '../models/s2iGan';
import { presetFor, type RunConfig } from '../runs/runConfig';
import type { EvaluationPoint } from '../runs/runsRepo';
import type { Tf } from '../tf/tfBackend';
import { argmaxOf, perInstrumentAccuracy } from './accuracyPoints';
import { loadCheckpointModel, restoreOptimizer, saveCheckpoint } from './checkpointIO';
import { predictFrom, type LoadedEncoder } from './encoders';
import { createGanOptimizers, ganClsStep } from './ganStep';
import { range, type PackedData, type PackedSplit } from './packedStore';
import { imageGridPng, spectrogramGridPng } from './sampleGrid';
import type { Trainer } from './trainer';
import { imageTensor, lmsTensor } from './trainingData';
import { WrongPairSampler } from './wrongPairs';

/** The encoder's input for the split's items at `idx`, read from the pack. */
function encoderInput(tf: Tf, enc: LoadedEncoder, split: PackedSplit, idx: number[]): tfjs.Tensor4D {
  return enc.input.kind === 'sound' ? lmsTensor(tf, split.lms(idx), enc.input.shape) : imageTensor(tf, split.images(idx), enc.input.size);
}

function ganSpectrograms(tf: Tf, lms: Float32Array[]): tfjs.Tensor4D {
  const [h, w] = [128, 34];
  const out = new Float32Array(lms.length * h * w);
  lms.forEach((m, i) => out.set(toGanSpectrogram(featureMatrix(LMS_SHAPE[0], LMS_SHAPE[1], m)).data, i * h * w));
  return tf.tensor4d(out, [lms.length, h, w, 1]);
}

export function ganTrainer(tf: Tf, config: RunConfig, runId: number, data: PackedData, encoder: LoadedEncoder, evaluator: LoadedEncoder | null): Trainer {
  const preset = presetFor(config);
  const i2s = config.model === 'i2s';
  // embeddings of a whole split stay in memory (N×128); the encoder's inputs are read batch by batch
  const embedAll = (split: PackedSplit) =>
    split.labels.length ? predictFrom(tf, encoder.embedding, split.labels.length, (s, size) => encoderInput(tf, encoder, split, range(s, size))) : null;
  const embTrain = embedAll(data.train) as tfjs.Tensor;
  const embTest = embedAll(data.test);
  // real items x_i^j of the train items at `idx`, read from the pack
  const realOf = (idx: number[]) => (i2s ? ganSpectrograms(tf, data.train.lms(idx)) : imageTensor(tf, data.train.images(idx), preset.imageSize));
  const name = `${config.model.replace('-', '_')}_${runId}`;
  const G = i2s ? buildI2SGenerator(tf, { preset, seed: config.seed, name: `${name}_g` }) : buildS2IGenerator(tf, { preset, seed: config.seed, name: `${name}_g` });
  const D = i2s ? buildI2SDiscriminator(tf, { preset, seed: config.seed, name: `${name}_d` }) : buildS2IDiscriminator(tf, { preset, seed: config.seed, name: `${name}_d` });
  const { generatorOptimizer, discriminatorOptimizer } = createGanOptimizers(tf, preset);
  const variant = config.model === 's2i-n' ? 'no-mismatch' : 'matching-aware';
  const sampler = variant === 'matching-aware' ? new WrongPairSampler(data.train.labels, config.wrongPairs) : null;
  const models = { generator: G, discriminator: D, generatorOptimizer, discriminatorOptimizer, zDim: preset.zDim, variant } as const;

  // fixed conditions for the sample grid: test pairs (train when there is no test split), cycling through instruments
  const gridSplit = embTest ? data.test : data.train;
  const gridEmb = embTest ?? embTrain;
  const gridRows: number[] = [];
  for (let round = 0; gridRows.length < config.sampleGrid.conditions && round < gridSplit.labels.length; round++) {
    for (let c = 0; c < data.classes.length && gridRows.length < config.sampleGrid.conditions; c++) {
      const hits = gridSplit.labels.map((l, i) => (l === c ? i : -1)).filter((i) => i >= 0);
      if (hits[round] !== undefined) gridRows.push(hits[round]);
    }
  }
  const gridNoise = tf.randomNormal([config.sampleGrid.noise, preset.zDim], 0, 1, 'float32', config.seed + 17);

  const generate = (emb: tfjs.Tensor, noise: tfjs.Tensor) => G.predict([noise, emb]) as tfjs.Tensor;
  return {
    parts: ['generator', 'discriminator'],
    async restore(dir) {
      for (const [part, model, opt] of [['generator', G, generatorOptimizer], ['discriminator', D, discriminatorOptimizer]] as const) {
        const saved = await loadCheckpointModel(tf, join(dir, part));
        model.setWeights(saved.getWeights());
        saved.dispose();
        await restoreOptimizer(tf, opt, join(dir, part));
      }
    },
    trainEpoch(_epoch, rng, onStep) {
      const n = data.train.labels.length;
      const order = rng.shuffle(Array.from({ length: n }, (_, i) => i));
      const sums: Record<string, number> = { d_loss: 0, g_loss: 0, d_real: 0, d_wrong: 0, d_fake: 0 };
      let batches = 0;
      let stopped = false;
      for (let s = 0; s < n && !stopped; s += config.hyper.batchSize) {
        const idx = order.slice(s, s + config.hyper.batchSize);
        if (idx.length < 2) continue; // batch norm needs more than one item
        const wrongIdx = sampler ? sampler.sampleBatch(idx, rng) : null;
        const batch = tf.tidy(() => ({
          real: realOf(idx),
          wrong: wrongIdx ? realOf(wrongIdx) : undefined,
          embedding: tf.gather(embTrain, tf.tensor1d(idx, 'int32')),
        }));
        const stats = ganClsStep(tf, models, batch, rng);
        batch.real.dispose();
        batch.wrong?.dispose();
        batch.embedding.dispose();
        const m = { d_loss: stats.dLoss, g_loss: stats.gLoss, d_real: stats.dReal, d_wrong: stats.dWrong, d_fake: stats.dFake };
        for (const k of Object.keys(sums)) sums[k] += (m as Record<string, number | null>)[k] ?? 0;
        batches++;
        if (!onStep(m)) stopped = true;
      }
      const metrics: Record<string, number> = {};
      for (const [k, v] of Object.entries(sums)) if (k !== 'd_wrong' || sampler) metrics[k] = v / Math.max(batches, 1);
      return { metrics, items: batches ? n : 0, stopped };
    },
    async save(dir) {
      await saveCheckpoint(G, join(dir, 'generator'), { optimizer: generatorOptimizer });
      await saveCheckpoint(D, join(dir, 'discriminator'), { optimizer: discriminatorOptimizer });
    },
    async sampleGrid() {
      if (!gridRows.length) return null;
      const rows = gridRows.length;
      const cols = config.sampleGrid.noise;
      const out = tf.tidy(() => {
        const emb = tf.gather(gridEmb, tf.tensor1d(gridRows.flatMap((r) => Array(cols).fill(r)), 'int32'));
        const noise = tf.tile(gridNoise, [rows, 1]);
        return generate(emb, noise);
      });
      const values = out.dataSync() as Float32Array;
      const png = i2s ? await spectrogramGridPng(values, rows, cols, 128, 34) : await imageGridPng(values, rows, cols, preset.imageSize);
      out.dispose();
      return {
        png,
        meta: { rows: gridRows.map((r) => ({ pairId: gridSplit.pairIds[r], instrument: data.classes[gridSplit.labels[r]] })), noise: cols, split: embTest ? 'test' : 'train' },
      };
    },
    evaluate(epoch) {
      // S2I: Γ's accuracy on generated images (§5.2.2, Table 5, Fig. 9); I2S: the sound classifier's
      // accuracy on generated LMS resized back to 128×44 (§5.4). One noise draw per pair, seeded.
      if (!evaluator?.classifier) return [];
      const points: EvaluationPoint[] = [];
      for (const [split, emb, sd] of [['train', embTrain, data.train], ['test', embTest, data.test]] as const) {
        if (!emb) continue;
        const noise = tf.randomNormal([sd.labels.length, preset.zDim], 0, 1, 'float32', config.seed + epoch);
        // generated and scored 64 at a time, so a large split's generated items are never all in memory
        const scorer = evaluator.classifier;
        const logits = predictFrom(tf, scorer, sd.labels.length, (s, size) => {
          const fake = generate(emb.slice(s, size), noise.slice(s, size));
          return i2s ? generatedLmsForEvaluator(tf, fake, evaluator) : resizeImages(tf, fake, (evaluator.input as { size: number }).size);
        });
        noise.dispose();
        const predicted = argmaxOf(tf, logits);
        logits.dispose();
        // the evaluator's classes may be ordered differently: compare by name
        const mapped = Array.from(predicted, (p) => data.classes.indexOf(evaluator.classes[p]));
        points.push(...perInstrumentAccuracy(data.classes, sd.labels, mapped, { epoch, kind: i2s ? 'sound_clf_accuracy' : 'gamma_accuracy', split, evaluatorRunId: evaluator.run.id }));
      }
      return points;
    },
    dispose() {
      for (const t of [embTrain, embTest, gridNoise]) t?.dispose();
      G.dispose();
      D.dispose();
      generatorOptimizer.dispose();
      discriminatorOptimizer.dispose();
    },
  };

  function resizeImages(tfn: Tf, images: tfjs.Tensor, size: number): tfjs.Tensor {
    return images.shape[1] === size ? images.clone() : tfn.image.resizeBilinear(images as tfjs.Tensor4D, [size, size]);
  }
}

/** G output (N, 128, 34, 1) → 128×44 (§3.4) → the sound classifier's input shape. */
export function generatedLmsForEvaluator(tf: Tf, fake: tfjs.Tensor, evaluator: LoadedEncoder): tfjs.Tensor {
  const [n] = fake.shape;
  const values = fake.dataSync() as Float32Array;
  const lms: Float32Array[] = [];
  for (let i = 0; i < n; i++) lms.push(fromGanSpectrogram(featureMatrix(128, 34, values.slice(i * 128 * 34, (i + 1) * 128 * 34))).data);
  return lmsTensor(tf, lms, (evaluator.input as { shape: readonly [number, number] }).shape);
}
