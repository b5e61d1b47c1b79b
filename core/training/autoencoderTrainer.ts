// Training the stacked autoencoder as a run (§5.1, the S2I-A condition): greedy, stack by stack, each
// reconstructing the frozen output of the stacks before it with an MSE loss.
import type * as tfjs from '@tensorflow/tfjs';
import { join } from 'node:path';
import { buildStackedAutoencoder } from '../models/autoencoder';
import { presetFor, type RunConfig } from '../runs/runConfig';
import type { Tf } from '../tf/tfBackend';
import { loadCheckpointModel, restoreOptimizer, saveCheckpoint } from './checkpointIO';
import type { PackedData } from './packedStore';
import type { Trainer } from './trainer';
import { lmsTensor } from './trainingData';
import { adamOptimizer } from '../tf/fusedAdam';

export function autoencoderTrainer(tf: Tf, config: RunConfig, runId: number, data: PackedData): Trainer {
  const preset = presetFor(config);
  // the LMS of the train items at `idx`, read from the pack
  const xAt = (idx: number[]) => lmsTensor(tf, data.train.lms(idx), preset.autoencoderInputShape);
  const ae = buildStackedAutoencoder(tf, { preset, seed: config.seed, name: `sound_ae_${runId}` });
  const optimizers = ae.stacks.map(() => adamOptimizer(tf, config.hyper.learningRate));
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
