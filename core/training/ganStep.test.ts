// A few real tiny S2I (and I2S) GAN-CLS steps: finite losses, scores in (0, 1), no tensor leaks,
// and a checkpoint round trip (weights, predictions, Adam state).
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type * as tfjs from '@tensorflow/tfjs';
import { loadTf } from '../tf/tfBackend';
import { TINY_PRESET } from '../models/presets';
import { buildS2IDiscriminator, buildS2IGenerator } from '../models/s2iGan';
import { buildI2SDiscriminator, buildI2SGenerator } from '../models/i2sGan';
import { createGanOptimizers, ganClsStep, type GanClsModels } from './ganStep';
import { WrongPairSampler } from './wrongPairs';
import { discriminatorLoss, generatorLoss } from './ganClsLoss';
import { createRng } from '../rng';
import { loadCheckpointModel, readCheckpointMeta, restoreOptimizer, saveCheckpoint } from './checkpointIO';

const { tf } = await loadTf();
const tmpDirs: string[] = [];
afterAll(async () => {
  for (const d of tmpDirs) await rm(d, { recursive: true, force: true });
});

/** A toy paired dataset: class c ↦ images of one colour, embeddings around one direction. */
function toyDataset(n: number, classes: number, size: number): { images: tfjs.Tensor4D; embeddings: tfjs.Tensor2D; labels: number[] } {
  const labels = Array.from({ length: n }, (_, i) => i % classes);
  return tf.tidy(() => {
    const lab = tf.tensor1d(labels, 'int32');
    const colours = tf.tensor2d([[1, -1, -1], [-1, 1, -1], [-1, -1, 1], [1, 1, -1]].slice(0, classes));
    const images = tf.add(tf.gather(colours, lab).reshape([n, 1, 1, 3]).tile([1, size, size, 1]), tf.randomNormal([n, size, size, 3], 0, 0.1, 'float32', 1)).clipByValue(-1, 1) as tfjs.Tensor4D;
    const embeddings = tf.add(tf.oneHot(lab, 128).mul(3), tf.randomNormal([n, 128], 0, 0.3, 'float32', 2)) as tfjs.Tensor2D;
    return { images, embeddings, labels };
  });
}

describe('S2I GAN-CLS step (tiny)', () => {
  const preset = TINY_PRESET;
  const data = toyDataset(32, 4, preset.imageSize);
  const rng = createRng(7);
  const sampler = new WrongPairSampler(data.labels, 'instrument');
  const batch = (): { real: tfjs.Tensor; wrong: tfjs.Tensor; embedding: tfjs.Tensor } => {
    const idx = Array.from({ length: preset.batchSize }, () => rng.int(data.labels.length));
    const wrongIdx = sampler.sampleBatch(idx, rng);
    return tf.tidy(() => ({
      real: tf.gather(data.images, idx),
      wrong: tf.gather(data.images, wrongIdx),
      embedding: tf.gather(data.embeddings, idx),
    }));
  };
  const models: GanClsModels = {
    generator: buildS2IGenerator(tf, { preset, seed: 1 }),
    discriminator: buildS2IDiscriminator(tf, { preset, seed: 1 }),
    ...createGanOptimizers(tf, preset),
    zDim: preset.zDim,
    variant: 'matching-aware',
  };

  it('runs steps with finite losses and no tensor growth', () => {
    const stats = [];
    let after1 = 0;
    for (let step = 0; step < 6; step++) {
      const b = batch();
      stats.push(ganClsStep(tf, models, b, rng));
      tf.dispose([b.real, b.wrong, b.embedding]);
      if (step === 0) after1 = tf.memory().numTensors; // Adam slots exist from the first step on
      else expect(tf.memory().numTensors).toBe(after1);
    }
    for (const s of stats) {
      for (const v of [s.dLoss, s.gLoss, s.dReal, s.dWrong as number, s.dFake]) expect(Number.isFinite(v)).toBe(true);
      for (const v of [s.dReal, s.dWrong as number, s.dFake]) expect(v).toBeGreaterThan(0);
    }
    console.log('S2I tiny steps:', stats.map((s) => `D ${s.dLoss.toFixed(3)} G ${s.gLoss.toFixed(3)} Sr ${s.dReal.toFixed(2)} Sw ${s.dWrong?.toFixed(2)} Sf ${s.dFake.toFixed(2)}`).join(' | '));
    // D learns to separate real pairs from wrong/fake ones within a few steps.
    expect(stats[stats.length - 1].dReal).toBeGreaterThan(stats[0].dReal);
  });

  it('S2I-N step ignores wrong pairs', () => {
    const b = batch();
    const s = ganClsStep(tf, { ...models, variant: 'no-mismatch' }, { real: b.real, embedding: b.embedding }, rng);
    expect(s.dWrong).toBeNull();
    expect(Number.isFinite(s.dLoss)).toBe(true);
    tf.dispose([b.real, b.wrong, b.embedding]);
  });

  it('checkpoint save → load gives identical weights, predictions and optimiser state', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'avs-ckpt-'));
    tmpDirs.push(dir);
    const target = path.join(dir, 'generator');
    await saveCheckpoint(models.generator, target, { optimizer: models.generatorOptimizer, meta: { step: 7 } });
    await saveCheckpoint(models.generator, target, { optimizer: models.generatorOptimizer, meta: { step: 8 } }); // overwrite atomically
    expect((await readdir(dir)).sort()).toEqual(['generator']);
    expect((await readdir(target)).sort()).toEqual(['meta.json', 'model.json', 'optimizer.bin', 'optimizer.json', 'weights.bin']);
    expect(await readCheckpointMeta(target)).toEqual({ step: 8 });

    const loaded = await loadCheckpointModel(tf, target);
    const original = models.generator.getWeights();
    const restored = loaded.getWeights();
    expect(restored.length).toBe(original.length);
    original.forEach((w, i) => expect(Array.from(restored[i].dataSync())).toEqual(Array.from(w.dataSync())));
    const [a, b] = tf.tidy(() => {
      const noise = tf.randomNormal([3, preset.zDim], 0, 1, 'float32', 5);
      const emb = tf.randomNormal([3, 128], 0, 1, 'float32', 6);
      return [models.generator.predict([noise, emb]) as tfjs.Tensor, loaded.predict([noise, emb]) as tfjs.Tensor];
    });
    expect(Array.from(b.dataSync())).toEqual(Array.from(a.dataSync()));
    tf.dispose([a, b]);

    // Adam state: a fresh optimiser restored from the checkpoint has the same iteration and slots.
    const fresh = tf.train.adam(preset.learningRate, preset.beta1, preset.beta2);
    expect(await restoreOptimizer(tf, fresh, target)).toBe(true);
    const want = await models.generatorOptimizer.getWeights();
    const got = await fresh.getWeights();
    expect(got.map((w) => w.tensor.shape)).toEqual(want.map((w) => w.tensor.shape));
    expect(Array.from(got[0].tensor.dataSync())).toEqual([7]); // 6 + 1 steps above
    expect(Array.from(got[got.length - 1].tensor.dataSync())).toEqual(Array.from(want[want.length - 1].tensor.dataSync()));
    tf.dispose([got[0].tensor, want[0].tensor]);
    fresh.dispose();
    loaded.dispose();
  });
});

describe('I2S GAN-CLS step (tiny)', () => {
  it('runs on 128×34 spectrograms with finite losses and no tensor growth', () => {
    const preset = { ...TINY_PRESET, batchSize: 2 };
    const models: GanClsModels = {
      generator: buildI2SGenerator(tf, { preset, seed: 2 }),
      discriminator: buildI2SDiscriminator(tf, { preset, seed: 2 }),
      ...createGanOptimizers(tf, preset),
      zDim: preset.zDim,
      variant: 'matching-aware',
    };
    const rng = createRng(3);
    const real = tf.randomUniform([2, 128, 34, 1], -1, 1, 'float32', 1);
    const wrong = tf.randomUniform([2, 128, 34, 1], -1, 1, 'float32', 2);
    const embedding = tf.randomNormal([2, 128], 0, 1, 'float32', 3);
    const first = ganClsStep(tf, models, { real, wrong, embedding }, rng);
    const count = tf.memory().numTensors;
    const second = ganClsStep(tf, models, { real, wrong, embedding }, rng);
    expect(tf.memory().numTensors).toBe(count);
    for (const s of [first, second]) for (const v of [s.dLoss, s.gLoss, s.dReal, s.dFake]) expect(Number.isFinite(v)).toBe(true);
    tf.dispose([real, wrong, embedding]);
  });
});

describe('one G forward per step', () => {
  // The step as it was before (G ran twice: once for D's fake batch, again under G's gradient) is the
  // reference: in training mode G's output depends only on the batch, so both give the same fake, the
  // same D update and the same G gradient; every weight after a step must agree. Only G's batch-norm
  // running statistics differ (updated once per step now, twice before), so those are left out.
  const twoForwardStep = (m: GanClsModels, b: { real: tfjs.Tensor; wrong: tfjs.Tensor; embedding: tfjs.Tensor }, rng: ReturnType<typeof createRng>) =>
    tf.tidy(() => {
      const noise = tf.randomNormal([b.real.shape[0], m.zDim], 0, 1, 'float32', rng.seed());
      const fake = m.generator.apply([noise, b.embedding], { training: true }) as tfjs.Tensor;
      const D = m.discriminator;
      const dVars = D.trainableWeights.map((w) => w.read() as tfjs.Variable);
      const gVars = m.generator.trainableWeights.map((w) => w.read() as tfjs.Variable);
      const dLoss = m.discriminatorOptimizer.minimize(() => {
        const lr = D.apply([b.real, b.embedding], { training: true }) as tfjs.Tensor;
        const lw = D.apply([b.wrong, b.embedding], { training: true }) as tfjs.Tensor;
        const lf = D.apply([fake, b.embedding], { training: true }) as tfjs.Tensor;
        return discriminatorLoss(tf, { real: lr, wrong: lw, fake: lf }, 'matching-aware');
      }, true, dVars)!;
      const gLoss = m.generatorOptimizer.minimize(() => {
        const again = m.generator.apply([noise, b.embedding], { training: true }) as tfjs.Tensor;
        const l = D.apply([again, b.embedding], { training: true }) as tfjs.Tensor;
        return generatorLoss(tf, l);
      }, true, gVars)!;
      return [dLoss.dataSync()[0], gLoss.dataSync()[0]];
    });

  it('gives the same losses and weights as two G forwards, step after step', () => {
    const preset = TINY_PRESET;
    const make = (): GanClsModels => ({
      generator: buildS2IGenerator(tf, { preset, seed: 11 }),
      discriminator: buildS2IDiscriminator(tf, { preset, seed: 12 }),
      ...createGanOptimizers(tf, preset),
      zDim: preset.zDim,
      variant: 'matching-aware',
    });
    const ours = make();
    const ref = make();
    const b = {
      real: tf.randomUniform([preset.batchSize, preset.imageSize, preset.imageSize, 3], -1, 1, 'float32', 1),
      wrong: tf.randomUniform([preset.batchSize, preset.imageSize, preset.imageSize, 3], -1, 1, 'float32', 2),
      embedding: tf.randomNormal([preset.batchSize, 128], 0, 1, 'float32', 3),
    };
    const rngA = createRng(9);
    const rngB = createRng(9);
    const trainable = (m: tfjs.LayersModel) => m.trainableWeights.map((w) => Array.from((w.read() as tfjs.Tensor).dataSync()));
    for (let step = 0; step < 3; step++) {
      const s = ganClsStep(tf, ours, b, rngA);
      const [dRef, gRef] = twoForwardStep(ref, b, rngB);
      expect(s.dLoss).toBeCloseTo(dRef, 4);
      expect(s.gLoss).toBeCloseTo(gRef, 4);
    }
    for (const [a, r] of [[ours.generator, ref.generator], [ours.discriminator, ref.discriminator]] as const) {
      const wa = trainable(a);
      const wr = trainable(r);
      let worst = 0;
      for (let k = 0; k < wa.length; k++) for (let i = 0; i < wa[k].length; i++) worst = Math.max(worst, Math.abs(wa[k][i] - wr[k][i]));
      expect(worst).toBeLessThan(1e-4);
      expect(worst).toBeGreaterThanOrEqual(0);
    }
    // and the weights did move: the comparison is not between two untouched models
    const fresh = trainable(buildS2IGenerator(tf, { preset, seed: 11 }));
    expect(Math.max(...trainable(ours.generator).flatMap((w, k) => w.map((x, i) => Math.abs(x - fresh[k][i]))))).toBeGreaterThan(1e-4);
    tf.dispose([b.real, b.wrong, b.embedding]);
  });
});
