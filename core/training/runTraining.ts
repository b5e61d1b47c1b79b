// The body of a training run, executed inside a worker process: loads the run's frozen config and
// dataset snapshot, builds the networks, restores the last checkpoint when resuming, and trains epoch
// by epoch — writing metrics, a checkpoint, a sample grid and (every few epochs) Γ evaluations to the
// catalog after each epoch, and reporting live progress to the supervisor.
import type * as tfjs from '@tensorflow/tfjs';
import { join } from 'node:path';
import type { StudioContext } from '../api/context';
import { AvError } from '../errors';
import { LMS_SHAPE } from '../media/constants';
import { toGanSpectrogram, fromGanSpectrogram } from '../media/resize';
import { featureMatrix } from '../media/spectrogram';
import { buildStackedAutoencoder } from '../models/autoencoder';
import { buildI2SDiscriminator, buildI2SGenerator } from '../models/i2sGan';
import { buildS2IDiscriminator, buildS2IGenerator } from '../models/s2iGan';
import { ENCODER_FOR, presetFor, soundInputShapeFor, type RunConfig } from '../runs/runConfig';
import {
  addEvaluations, addSample, appendMetrics, getRun, lastCheckpoint, recordEpoch, setRunStatus,
  type EvaluationPoint, type MetricPoint,
} from '../runs/runsRepo';
import type { WorkerMessage } from '../runs/workerMessages';
import { loadCheckpointModel, restoreOptimizer, saveCheckpoint } from './checkpointIO';
import { pruneCheckpoints } from '../runs/checkpointRetention';
import { classifierEpoch } from './classifierEpoch';
import { buildClassifierFor, loadEncoderRun, predictFrom, type LoadedEncoder } from './encoders';
import { createGanOptimizers, ganClsStep } from './ganStep';
import { createRng, type Rng } from './rng';
import { checkpointDir, readRunCheckpointMeta, writeRunCheckpointMeta } from './runCheckpoint';
import { imageGridPng, spectrogramGridPng } from './sampleGrid';
import { loadTf } from './tfBackend';
import type { Tf } from './tfBackend';
import { openSnapshotPack, packNeedsFor, range, type PackedData, type PackedSplit } from './packedStore';
import { imageTensor, lmsTensor, spectrogramTensor } from './trainingData';
import { accuracy, type ClassifierData } from './trainClassifier';
import { argmaxOf, perInstrumentAccuracy } from './accuracyPoints';
import { WrongPairSampler } from './wrongPairs';

export interface RunHooks {
  report(msg: WorkerMessage): void;
  shouldStop(): boolean;
}

interface EpochResult {
  metrics: Record<string, number>;
  items: number;
  stopped: boolean;
}

/** One kind of training, behind one interface so the epoch loop is the same for all. */
export interface Trainer {
  parts: string[];
  restore(dir: string): Promise<void>;
  trainEpoch(epoch: number, rng: Rng, onStep: (metrics: Record<string, number | null>) => boolean): EpochResult;
  save(dir: string): Promise<void>;
  sampleGrid(): Promise<{ png: Buffer; meta: Record<string, unknown> } | null>;
  evaluate(epoch: number): EvaluationPoint[];
  dispose(): void;
}

const epochSeed = (config: RunConfig, epoch: number) => (config.seed * 1_000_003 + epoch * 7919) >>> 0;

// ---------------------------------------------------------------- classifiers (§3.3, §3.4)

function classifierTrainer(tf: Tf, config: RunConfig, runId: number, data: PackedData): Trainer {
  const preset = presetFor(config);
  const sound = config.model === 'sound-clf';
  // sound: the run's Table 1 representation (LMS unless configured otherwise), resized to the classifier's input;
  // inputs are read from the pack batch by batch
  const toX = (s: PackedSplit, idx: number[]) =>
    sound ? spectrogramTensor(tf, s.sound(idx), data.soundShape, soundInputShapeFor(config)) : imageTensor(tf, s.images(idx), preset.imageSize);
  const trainSet: ClassifierData = { labels: data.train.labels, batch: (idx) => toX(data.train, idx) };
  const testSet: ClassifierData | null = data.test.labels.length ? { labels: data.test.labels, batch: (idx) => toX(data.test, idx) } : null;
  const enc = buildClassifierFor(tf, getRunStub(config, runId), data.classes.length);
  const optimizer = tf.train.adam(config.hyper.learningRate);
  const evalOn = (set: ClassifierData | null) => (set ? accuracy(tf, enc.classifier, set) : null);
  return {
    parts: ['classifier'],
    async restore(dir) {
      const saved = await loadCheckpointModel(tf, join(dir, 'classifier'));
      enc.classifier.setWeights(saved.getWeights());
      saved.dispose();
      await restoreOptimizer(tf, optimizer, join(dir, 'classifier'));
    },
    trainEpoch(_epoch, rng, onStep) {
      let stopped = false;
      const loss = classifierEpoch(tf, enc.classifier, optimizer, trainSet, {
        batchSize: config.hyper.batchSize,
        numClasses: data.classes.length,
        rng,
        onBatch: (_b, l) => {
          if (!stopped && !onStep({ loss: l })) stopped = true;
        },
      });
      const trainAcc = evalOn(trainSet) ?? 0;
      const testAcc = evalOn(testSet);
      return { metrics: { loss, train_acc: trainAcc, ...(testAcc === null ? {} : { test_acc: testAcc }) }, items: data.train.labels.length, stopped };
    },
    save: (dir) => saveCheckpoint(enc.classifier, join(dir, 'classifier'), { optimizer }),
    sampleGrid: async () => null,
    evaluate(epoch) {
      const points: EvaluationPoint[] = [];
      for (const [split, set] of [['train', trainSet], ['test', testSet]] as const) {
        if (!set?.batch) continue;
        const batchOf = set.batch;
        const logits = predictFrom(tf, enc.classifier, set.labels.length, (s, size) => batchOf(range(s, size)));
        points.push(...perInstrumentAccuracy(data.classes, set.labels, argmaxOf(tf, logits), { epoch, kind: 'classifier_accuracy', split, evaluatorRunId: null }));
        logits.dispose();
      }
      return points;
    },
    dispose() {
      enc.classifier.dispose();
      optimizer.dispose();
    },
  };
}

/** Only the fields the model builders read from a run. */
function getRunStub(config: RunConfig, id: number) {
  return { id, config } as Parameters<typeof buildClassifierFor>[1];
}

// ---------------------------------------------------------------- stacked autoencoder (§5.1)

function autoencoderTrainer(tf: Tf, config: RunConfig, runId: number, data: PackedData): Trainer {
  const preset = presetFor(config);
  // the LMS of the train items at `idx`, read from the pack
  const xAt = (idx: number[]) => lmsTensor(tf, data.train.lms(idx), preset.autoencoderInputShape);
  const ae = buildStackedAutoencoder(tf, { preset, seed: config.seed, name: `sound_ae_${runId}` });
  const optimizers = ae.stacks.map(() => tf.train.adam(config.hyper.learningRate));
  const parts = ae.stacks.map((_, k) => `stack${k + 1}`);
  return {
    parts,
    async restore(dir) {
      for (const [k, stack] of ae.stacks.entries()) {
        const saved = await loadCheckpointModel(tf, join(dir, parts[k]));
        stack.autoencoder.setWeights(saved.getWeights());
        saved.dispose();
        await restoreOptimizer(tf, optimizers[k], join(dir, parts[k]));
      }
    },
    trainEpoch(_epoch, rng, onStep) {
      // greedy, in order: each stack reconstructs the (frozen) output of the stacks before it
      const metrics: Record<string, number> = {};
      const n = data.train.labels.length;
      let stopped = false;
      for (const [k, stack] of ae.stacks.entries()) {
        // stack k's input: the batch through the frozen encoders of the stacks before it (computed per batch,
        // since the intermediate codes of a whole snapshot do not fit in memory)
        const frozen = ae.stacks.slice(0, k);
        const vars = stack.autoencoder.trainableWeights.map((w) => w.read() as tfjs.Variable);
        const order = rng.shuffle(Array.from({ length: n }, (_, i) => i));
        let sum = 0;
        let batches = 0;
        for (let s = 0; s < n && !stopped; s += config.hyper.batchSize) {
          const idx = order.slice(s, s + config.hyper.batchSize);
          const loss = tf.tidy(() => {
            const xb = frozen.reduce<tfjs.Tensor>((h, st) => st.encoder.predict(h) as tfjs.Tensor, xAt(idx));
            return optimizers[k].minimize(() => tf.losses.meanSquaredError(xb, stack.autoencoder.apply(xb, { training: true }) as tfjs.Tensor) as tfjs.Scalar, true, vars) as tfjs.Scalar;
          });
          const v = loss.dataSync()[0];
          loss.dispose();
          sum += v;
          batches++;
          if (!onStep({ [`mse_stack${k + 1}`]: v })) stopped = true;
        }
        metrics[`mse_stack${k + 1}`] = sum / Math.max(batches, 1);
        if (stopped) break;
      }
      return { metrics, items: n, stopped };
    },
    async save(dir) {
      for (const [k, stack] of ae.stacks.entries()) await saveCheckpoint(stack.autoencoder, join(dir, parts[k]), { optimizer: optimizers[k] });
    },
    sampleGrid: async () => null,
    evaluate: () => [],
    dispose() {
      ae.stacks.forEach((s) => s.autoencoder.dispose());
      optimizers.forEach((o) => o.dispose());
    },
  };
}

// ---------------------------------------------------------------- GAN-CLS: S2I-C / S2I-N / S2I-A / I2S (§3.2)

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

function ganTrainer(tf: Tf, config: RunConfig, runId: number, data: PackedData, encoder: LoadedEncoder, evaluator: LoadedEncoder | null): Trainer {
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

// ---------------------------------------------------------------- the run

/** A run's data and networks, ready to train an epoch, restore a checkpoint or evaluate. */
export interface OpenedRun {
  config: RunConfig;
  /** the snapshot's pack (labels in memory, arrays read in batches) */
  data: PackedData;
  trainer: Trainer;
  /** the classifier that scores generated output (S2I: Γ, I2S: the sound classifier), if any */
  evaluator: LoadedEncoder | null;
  dispose(): void;
}

/**
 * Loads a run's snapshot data, its encoder and evaluator runs, and builds its trainer (untrained, or
 * as restored by `trainer.restore(checkpointDir)`). Shared by training and on-demand evaluation.
 */
export async function openRunTrainer(
  ctx: StudioContext,
  runId: number,
  tf: Tf,
  opts: { onProgress?: (done: number, total: number) => void; onWarn?: (message: string) => void } = {},
): Promise<OpenedRun> {
  const cat = ctx.catalog;
  const config = getRun(cat, runId).config;
  const data = await openSnapshotPack({ catalog: cat, blobs: ctx.blobs, root: ctx.home.root }, config.snapshotId, config.datasetId, {
    instrument: config.wrongPairs === 'pose' ? config.instrument : null,
    representation: config.model === 'sound-clf' ? config.representation : 'lms',
    needs: packNeedsFor(config.model),
    onProgress: opts.onProgress,
  });
  if (data.train.labels.length < 2) {
    data.close();
    throw new AvError('empty_input', `snapshot ${config.snapshotId} has ${data.train.labels.length} training pair(s): too few to train`);
  }

  const loaded: LoadedEncoder[] = [];
  let trainer: Trainer;
  let evaluator: LoadedEncoder | null = null;
  try {
    if (config.model === 'sound-clf' || config.model === 'image-clf') trainer = classifierTrainer(tf, config, runId, data);
    else if (config.model === 'autoencoder') trainer = autoencoderTrainer(tf, config, runId, data);
    else {
      if (!config.encoderRunId) throw new AvError('bad_request', `a ${config.model} run needs an encoder run (${ENCODER_FOR[config.model]})`);
      const encoder = await loadEncoderRun(tf, cat, ctx.home.runsDir, config.encoderRunId, [ENCODER_FOR[config.model] as string]);
      loaded.push(encoder);
      evaluator = config.evaluatorRunId
        ? await loadEncoderRun(tf, cat, ctx.home.runsDir, config.evaluatorRunId, [config.model === 'i2s' ? 'sound-clf' : 'image-clf'])
        : null;
      if (evaluator) loaded.push(evaluator);
      else opts.onWarn?.('no evaluator run: generated samples will not be scored');
      trainer = ganTrainer(tf, config, runId, data, encoder, evaluator);
    }
  } catch (err) {
    loaded.forEach((l) => l.dispose());
    data.close();
    throw err;
  }
  return {
    config,
    data,
    trainer,
    evaluator,
    dispose: () => {
      trainer.dispose();
      loaded.forEach((l) => l.dispose());
      data.close();
    },
  };
}

export async function executeRun(ctx: StudioContext, runId: number, hooks: RunHooks): Promise<'done' | 'stopped'> {
  const cat = ctx.catalog;
  const run = getRun(cat, runId);
  const config = run.config;
  const { tf, backend, package: pkg } = await loadTf();
  const resumeFrom = lastCheckpoint(cat, runId);
  setRunStatus(cat, runId, 'running', { pid: process.pid, backend: `${backend} (${pkg})`, error: null });
  hooks.report({ type: 'started', runId, backend, package: pkg, pid: process.pid, epoch: resumeFrom?.epoch ?? 0 });

  const opened = await openRunTrainer(ctx, runId, tf, {
    onProgress: (done, total) => {
      if (done === total || done % 50 === 0) hooks.report({ type: 'progress', runId, stage: 'loading pairs', done, total });
    },
    onWarn: (message) => hooks.report({ type: 'log', runId, level: 'warn', message }),
  });
  const { trainer, data } = opened;

  try {
    let step = 0;
    let startEpoch = 1;
    if (resumeFrom) {
      const meta = await readRunCheckpointMeta(resumeFrom.path);
      await trainer.restore(resumeFrom.path);
      step = meta.step;
      startEpoch = meta.epoch + 1;
      hooks.report({ type: 'log', runId, level: 'info', message: `resumed from epoch ${meta.epoch} (step ${meta.step})` });
    }
    for (let epoch = startEpoch; epoch <= config.epochs; epoch++) {
      const t0 = performance.now();
      const stepPoints: MetricPoint[] = [];
      const result = trainer.trainEpoch(epoch, createRng(epochSeed(config, epoch)), (metrics) => {
        step++;
        for (const [name, value] of Object.entries(metrics)) if (value !== null) stepPoints.push({ name, step, epoch, value });
        hooks.report({ type: 'step', runId, epoch, step, metrics });
        return !hooks.shouldStop();
      });
      if (result.stopped) {
        // an unfinished epoch is not kept: resume repeats it from the last checkpoint
        setRunStatus(cat, runId, 'stopped', { pid: null });
        hooks.report({ type: 'finished', runId, status: 'stopped', epoch: epoch - 1 });
        return 'stopped';
      }
      const seconds = (performance.now() - t0) / 1000;
      const itemsPerSecond = result.items / Math.max(seconds, 1e-9);
      const dir = checkpointDir(ctx.home.runsDir, runId, epoch);
      await trainer.save(dir);
      await writeRunCheckpointMeta(dir, { runId, epoch, step, classes: data.classes, parts: trainer.parts });
      const sample = await trainer.sampleGrid();
      const sampleHash = sample ? ctx.blobs.put(sample.png, 'png') : null;
      const evaluations = epoch % config.evalEvery === 0 || epoch === config.epochs ? trainer.evaluate(epoch) : [];
      const epochPoints: MetricPoint[] = [
        ...Object.entries(result.metrics).map(([name, value]) => ({ name: `epoch/${name}`, step: epoch, epoch, value })),
        { name: 'epoch/seconds', step: epoch, epoch, value: seconds },
        { name: 'epoch/items_per_s', step: epoch, epoch, value: itemsPerSecond },
      ];
      // everything this epoch produced lands together, or not at all
      cat.tx(() => {
        appendMetrics(cat, runId, [...stepPoints, ...epochPoints]);
        if (sample && sampleHash) addSample(cat, runId, epoch, sampleHash, sample.meta);
        if (evaluations.length) addEvaluations(cat, runId, evaluations);
        recordEpoch(cat, runId, epoch, step, dir);
      });
      if (config.keepCheckpoints > 0) pruneCheckpoints(cat, runId, config.keepCheckpoints, ctx.home.runsDir);
      const evalMetrics = Object.fromEntries(evaluations.filter((e) => e.instrument === '').map((e) => [`${e.kind}_${e.split}`, e.value]));
      hooks.report({ type: 'epoch', runId, epoch, seconds, itemsPerSecond, metrics: { ...result.metrics, ...evalMetrics }, sampleHash });
      if (hooks.shouldStop() && epoch < config.epochs) {
        setRunStatus(cat, runId, 'stopped', { pid: null });
        hooks.report({ type: 'finished', runId, status: 'stopped', epoch });
        return 'stopped';
      }
    }
    setRunStatus(cat, runId, 'done', { pid: null });
    hooks.report({ type: 'finished', runId, status: 'done', epoch: config.epochs });
    return 'done';
  } finally {
    opened.dispose();
  }
}
