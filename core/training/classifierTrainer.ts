// Training an encoder classifier as a run (§3.3 sound classifier, §3.4 image classifier Γ): softmax
// cross-entropy with Adam, inputs read from the snapshot's pack batch by batch, accuracy per split
// after each epoch and per instrument when evaluated.
import { join } from 'node:path';
import { presetFor, soundInputShapeFor, type RunConfig } from '../runs/runConfig';
import type { EvaluationPoint } from '../runs/runsRepo';
import type { Tf } from '../tf/tfBackend';
import { argmaxOf, perInstrumentAccuracy } from './accuracyPoints';
import { loadCheckpointModel, restoreOptimizer, saveCheckpoint } from './checkpointIO';
import { classifierEpoch } from './classifierEpoch';
import { buildClassifierFor, predictFrom } from './encoders';
import { range, type PackedData, type PackedSplit } from './packedStore';
import { accuracy, type ClassifierData } from './trainClassifier';
import type { Trainer } from './trainer';
import { imageTensor, spectrogramTensor } from './trainingData';
import { adamOptimizer } from '../tf/fusedAdam';

export function classifierTrainer(tf: Tf, config: RunConfig, runId: number, data: PackedData): Trainer {
  const preset = presetFor(config);
  const sound = config.model === 'sound-clf';
  // sound: the run's Table 1 representation (LMS unless configured otherwise), resized to the classifier's input;
  // inputs are read from the pack batch by batch
  const toX = (s: PackedSplit, idx: number[]) =>
    sound ? spectrogramTensor(tf, s.sound(idx), data.soundShape, soundInputShapeFor(config)) : imageTensor(tf, s.images(idx), preset.imageSize);
  const trainSet: ClassifierData = { labels: data.train.labels, batch: (idx) => toX(data.train, idx) };
  const testSet: ClassifierData | null = data.test.labels.length ? { labels: data.test.labels, batch: (idx) => toX(data.test, idx) } : null;
  const enc = buildClassifierFor(tf, getRunStub(config, runId), data.classes.length);
  const optimizer = adamOptimizer(tf, config.hyper.learningRate);
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
