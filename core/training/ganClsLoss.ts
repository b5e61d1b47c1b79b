// Matching-aware GAN-CLS loss (§3.2, Eq. 3–4), written with logits for numerical stability
// (score S = sigmoid(logit)).
//  D maximises log S_r + (log(1 − S_w) + log(1 − S_f)) / 2
//    ⇔ minimises BCE(real, 1) + (BCE(wrong, 0) + BCE(fake, 0)) / 2.
//  S2I-N (§5.1) drops the mismatch term: BCE(real, 1) + BCE(fake, 0) (the standard conditional GAN).
//  G maximises log S_f ⇔ minimises BCE(fake, 1) (the non-saturating form, as GAN-CLS).
// Each BCE is the mean over the batch.
import type * as tfjs from '@tensorflow/tfjs';
import type { Tf } from '../tf/tfBackend';

/** Eq. 4: weight of the wrong and fake terms in the matching-aware loss. */
export const MISMATCH_TERM_WEIGHT = 0.5;

/** 'matching-aware': S2I-C, S2I-A, I2S (Eq. 4). 'no-mismatch': S2I-N (§5.1). */
export type GanClsVariant = 'matching-aware' | 'no-mismatch';

export interface DiscriminatorLogits<T> {
  real: T;
  /** Needed for 'matching-aware'; ignored by 'no-mismatch'. */
  wrong?: T;
  fake: T;
}

/** mean(BCE(sigmoid(logits), target)) = mean(max(x, 0) − x·t + log(1 + e^(−|x|))). */
export function bceWithLogits(tf: Tf, logits: tfjs.Tensor, target: 0 | 1): tfjs.Scalar {
  return tf.tidy(() => {
    const x = logits.flatten();
    const perItem = tf.add(tf.sub(tf.relu(x), tf.mul(x, target)), tf.log1p(tf.exp(tf.neg(tf.abs(x)))));
    return tf.mean(perItem) as tfjs.Scalar;
  });
}

export function discriminatorLoss(tf: Tf, logits: DiscriminatorLogits<tfjs.Tensor>, variant: GanClsVariant): tfjs.Scalar {
  return tf.tidy(() => {
    const real = bceWithLogits(tf, logits.real, 1);
    const fake = bceWithLogits(tf, logits.fake, 0);
    if (variant === 'no-mismatch') return tf.add(real, fake) as tfjs.Scalar;
    if (!logits.wrong) throw new Error('the matching-aware loss needs wrong-pair logits');
    const wrong = bceWithLogits(tf, logits.wrong, 0);
    return tf.add(real, tf.mul(tf.add(wrong, fake), MISMATCH_TERM_WEIGHT)) as tfjs.Scalar;
  });
}

export function generatorLoss(tf: Tf, fakeLogits: tfjs.Tensor): tfjs.Scalar {
  return bceWithLogits(tf, fakeLogits, 1);
}

// Plain-number versions (tests, UI explanations).

export function bceWithLogitsNumbers(logits: readonly number[], target: 0 | 1): number {
  if (logits.length === 0) throw new Error('empty logits');
  let sum = 0;
  for (const x of logits) sum += Math.max(x, 0) - x * target + Math.log1p(Math.exp(-Math.abs(x)));
  return sum / logits.length;
}

export function discriminatorLossNumbers(logits: DiscriminatorLogits<readonly number[]>, variant: GanClsVariant): number {
  const real = bceWithLogitsNumbers(logits.real, 1);
  const fake = bceWithLogitsNumbers(logits.fake, 0);
  if (variant === 'no-mismatch') return real + fake;
  if (!logits.wrong) throw new Error('the matching-aware loss needs wrong-pair logits');
  return real + MISMATCH_TERM_WEIGHT * (bceWithLogitsNumbers(logits.wrong, 0) + fake);
}

export function generatorLossNumbers(fakeLogits: readonly number[]): number {
  return bceWithLogitsNumbers(fakeLogits, 1);
}
