import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import {
  bceWithLogits, bceWithLogitsNumbers, discriminatorLoss, discriminatorLossNumbers, generatorLoss, generatorLossNumbers,
} from './ganClsLoss';

const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));
const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;

describe('matching-aware GAN-CLS loss (§3.2, Eq. 4)', () => {
  const real = [2.0, -0.5, 1.0];
  const wrong = [0.3, -1.2, 0.8];
  const fake = [-2.0, 0.1, 0.4];
  // By hand, straight from Eq. 4 with S = sigmoid(logit): -(log S_r + (log(1 - S_w) + log(1 - S_f)) / 2).
  const byHandD = -(mean(real.map((x) => Math.log(sigmoid(x))))
    + (mean(wrong.map((x) => Math.log(1 - sigmoid(x)))) + mean(fake.map((x) => Math.log(1 - sigmoid(x))))) / 2);
  const byHandG = -mean(fake.map((x) => Math.log(sigmoid(x))));

  it('plain-number version equals the formula', () => {
    expect(discriminatorLossNumbers({ real, wrong, fake }, 'matching-aware')).toBeCloseTo(byHandD, 10);
    expect(generatorLossNumbers(fake)).toBeCloseTo(byHandG, 10);
    expect(bceWithLogitsNumbers([0], 1)).toBeCloseTo(Math.log(2), 12);
  });

  it('tensor version equals the formula', () => {
    const d = discriminatorLoss(tf, { real: tf.tensor(real), wrong: tf.tensor(wrong), fake: tf.tensor(fake) }, 'matching-aware');
    const g = generatorLoss(tf, tf.tensor2d(fake, [3, 1]));
    expect(d.dataSync()[0]).toBeCloseTo(byHandD, 5);
    expect(g.dataSync()[0]).toBeCloseTo(byHandG, 5);
    tf.dispose([d, g]);
  });

  it('is stable for large logits', () => {
    const l = bceWithLogits(tf, tf.tensor([1000, -1000]), 1);
    expect(l.dataSync()[0]).toBeCloseTo(500, 3);
    expect(bceWithLogitsNumbers([1000, -1000], 1)).toBeCloseTo(500, 6);
    l.dispose();
  });

  it('S2I-N (§5.1) = BCE(real, 1) + BCE(fake, 0) and ignores wrong pairs', () => {
    const byHandN = -(mean(real.map((x) => Math.log(sigmoid(x)))) + mean(fake.map((x) => Math.log(1 - sigmoid(x)))));
    expect(discriminatorLossNumbers({ real, wrong, fake }, 'no-mismatch')).toBeCloseTo(byHandN, 10);
    expect(discriminatorLossNumbers({ real, wrong: [9, 9, 9], fake }, 'no-mismatch')).toBeCloseTo(byHandN, 10);
    const a = discriminatorLoss(tf, { real: tf.tensor(real), wrong: tf.tensor(wrong), fake: tf.tensor(fake) }, 'no-mismatch');
    const b = discriminatorLoss(tf, { real: tf.tensor(real), wrong: tf.tensor([-7, 5, 3]), fake: tf.tensor(fake) }, 'no-mismatch');
    expect(a.dataSync()[0]).toBeCloseTo(byHandN, 5);
    expect(b.dataSync()[0]).toBe(a.dataSync()[0]);
    // ...whereas the matching-aware loss does change with the wrong logits.
    expect(discriminatorLossNumbers({ real, wrong: [9, 9, 9], fake }, 'matching-aware')).not.toBeCloseTo(byHandD, 3);
    tf.dispose([a, b]);
  });

  it('matching-aware loss without wrong logits is an error', () => {
    expect(() => discriminatorLossNumbers({ real, fake }, 'matching-aware')).toThrow(/wrong/);
  });
});
