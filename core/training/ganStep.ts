// One GAN-CLS training step (§3.2), shared by S2I (image ← sound embedding) and I2S (LMS ← image
// embedding): both generators take [noise, embedding] and both discriminators take [x, embedding].
// Order as in GAN-CLS and the torch reference (bench/torch_s2i_step.py): G makes this step's fake
// batch once; D is updated on real, wrong and fake pairs (no gradient to G); then D, updated, scores
// the same fake batch again and G is updated through it. Reed et al.'s Algorithm 1 scores the fake
// once, before D's update; we follow the torch code they and we build on (dcgan.torch / PyTorch's
// DCGAN example), which scores it again with the updated D. One G forward per step: G's batch-norm
// statistics see each batch once, as in torch.
import type * as tfjs from '@tensorflow/tfjs';
import type { Tf } from '../tf/tfBackend';
import type { ModelPreset } from '../models/presets';
import { discriminatorLoss, generatorLoss, type GanClsVariant } from './ganClsLoss';
import type { Rng } from '../rng';
import { adamOptimizer } from '../tf/fusedAdam';
import { withRecycledOutputs } from '../tf/recycledOutputs';

export interface GanClsModels {
  generator: tfjs.LayersModel;
  discriminator: tfjs.LayersModel;
  generatorOptimizer: tfjs.Optimizer;
  discriminatorOptimizer: tfjs.Optimizer;
  zDim: number;
  variant: GanClsVariant;
}

export interface GanClsBatch {
  /** Real items x_i^j: (B, 64, 64, 3) images for S2I, (B, 128, 34, 1) LMS for I2S. */
  real: tfjs.Tensor;
  /** Items of wrong pairs ω(·), same shape as `real`; required unless variant is 'no-mismatch'. */
  wrong?: tfjs.Tensor;
  /** The 128-d condition embeddings of the real items' other modality, (B, 128). */
  embedding: tfjs.Tensor;
}

export interface GanStepStats {
  dLoss: number;
  gLoss: number;
  /** Mean sigmoid scores S_r, S_w, S_f during the D update (S_w null when not used). */
  dReal: number;
  dWrong: number | null;
  dFake: number;
}

/** Adam as GAN-CLS: lr 2e-4, β1 0.5 (preset). One optimiser per network. */
export function createGanOptimizers(tf: Tf, preset: ModelPreset): { generatorOptimizer: tfjs.Optimizer; discriminatorOptimizer: tfjs.Optimizer } {
  return {
    generatorOptimizer: adamOptimizer(tf, preset.learningRate, preset.beta1, preset.beta2),
    discriminatorOptimizer: adamOptimizer(tf, preset.learningRate, preset.beta1, preset.beta2),
  };
}

export function trainableVariables(model: tfjs.LayersModel): tfjs.Variable[] {
  return model.trainableWeights.map((w) => w.read() as tfjs.Variable);
}

const meanScore = (tf: Tf, logits: tfjs.Tensor): tfjs.Scalar => tf.mean(tf.sigmoid(logits)) as tfjs.Scalar;

export function ganClsStep(tf: Tf, models: GanClsModels, batch: GanClsBatch, rng: Rng): GanStepStats {
  // The step's large intermediate outputs are recycled between kernels (core/tf/recycledOutputs.ts).
  return withRecycledOutputs(tf, () => step(tf, models, batch, rng));
}

function step(tf: Tf, models: GanClsModels, batch: GanClsBatch, rng: Rng): GanStepStats {
  const { generator: G, discriminator: D, variant } = models;
  const useWrong = variant === 'matching-aware';
  if (useWrong && !batch.wrong) throw new Error('matching-aware training needs a wrong batch');
  const batchSize = batch.real.shape[0];
  const kept: tfjs.Tensor[] = [];
  const keep = <T extends tfjs.Tensor>(t: T): T => {
    kept.push(tf.keep(t));
    return t;
  };
  try {
    const summary = tf.tidy(() => {
      const noise = tf.randomNormal([batchSize, models.zDim], 0, 1, 'float32', rng.seed());
      let sReal: tfjs.Scalar | null = null;
      let sWrong: tfjs.Scalar | null = null;
      let sFake: tfjs.Scalar | null = null;
      let dLoss: tfjs.Scalar | null = null;
      // G's update is the outer gradient; D's update runs inside it, after G's one forward pass. The
      // inner gradient (D's variables only) never reaches G; the outer one (G's variables, from
      // gLoss) never reaches D's update: D's second forward reads its variables, which are leaves
      // of the tape whatever their values, so nothing of the D branch lies between G and gLoss.
      const gLoss = models.generatorOptimizer.minimize(() => {
        const fake = G.apply([noise, batch.embedding], { training: true }) as tfjs.Tensor;
        dLoss = models.discriminatorOptimizer.minimize(() => {
          const real = D.apply([batch.real, batch.embedding], { training: true }) as tfjs.Tensor;
          const wrong = useWrong ? (D.apply([batch.wrong as tfjs.Tensor, batch.embedding], { training: true }) as tfjs.Tensor) : undefined;
          const fakeLogits = D.apply([fake, batch.embedding], { training: true }) as tfjs.Tensor;
          sReal = keep(meanScore(tf, real));
          sWrong = wrong ? keep(meanScore(tf, wrong)) : null;
          sFake = keep(meanScore(tf, fakeLogits));
          return discriminatorLoss(tf, { real, wrong, fake: fakeLogits }, variant);
        }, true, trainableVariables(D)) as tfjs.Scalar;
        keep(dLoss);
        const logits = D.apply([fake, batch.embedding], { training: true }) as tfjs.Tensor;
        return generatorLoss(tf, logits);
      }, true, trainableVariables(G)) as tfjs.Scalar;
      const nan = tf.scalar(Number.NaN);
      return tf.stack([dLoss!, gLoss, sReal ?? nan, sWrong ?? nan, sFake ?? nan]);
    });
    const [dLoss, gLoss, dReal, dWrong, dFake] = Array.from(summary.dataSync());
    summary.dispose();
    return { dLoss, gLoss, dReal, dWrong: useWrong ? dWrong : null, dFake };
  } finally {
    for (const t of kept) t.dispose();
  }
}

/** S2I step (§3.2, Eq. 5/6): real and wrong are images, embedding is the sound embedding. */
export const s2iStep = ganClsStep;
/** I2S step (§3.2, Eq. 7): real and wrong are LMS (B, 128, 34, 1), embedding is the image embedding. */
export const i2sStep = ganClsStep;
