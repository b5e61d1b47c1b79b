// Real training of the tiny sound classifier (§3.3 architecture, tiny widths) on synthetic tones of
// four timbres with random pitch, loudness and noise; accuracy is measured on held-out tones.
import { describe, expect, it } from 'vitest';
import { loadTf } from '../tf/tfBackend';
import { TINY_PRESET } from '../models/presets';
import { buildSoundClassifier } from '../models/soundClassifier';
import { makeToneSet, TONE_BINS, TONE_CLASSES, TONE_FRAMES } from './syntheticTones';
import { trainClassifier } from './trainClassifier';

const { tf } = await loadTf();

describe('sound classifier on synthetic timbres', () => {
  it('learns well above chance (25 %) on held-out tones', async () => {
    const train = makeToneSet(40, 11);
    const test = makeToneSet(20, 12);
    const xTrain = tf.tensor4d(train.data, train.shape);
    const xTest = tf.tensor4d(test.data, test.shape);
    const { classifier, embedding } = buildSoundClassifier(tf, {
      preset: TINY_PRESET, numClasses: TONE_CLASSES.length, inputShape: [TONE_BINS, TONE_FRAMES], seed: 3,
    });
    const result = await trainClassifier(tf, classifier, { x: xTrain, labels: train.labels }, {
      epochs: 20, batchSize: 16, learningRate: 2e-3, numClasses: TONE_CLASSES.length, seed: 4, test: { x: xTest, labels: test.labels },
    });
    console.log(`tiny sound classifier: train ${(result.trainAccuracy * 100).toFixed(1)} %, held-out ${((result.testAccuracy ?? 0) * 100).toFixed(1)} %, losses ${result.losses.map((l) => l.toFixed(2)).join(' ')}`);
    expect(result.testAccuracy).toBeGreaterThan(0.6);
    expect(result.losses[result.losses.length - 1]).toBeLessThan(result.losses[0]);
    // The embedding model shares the trained weights: 128-d features for each input.
    const feats = embedding.predict(xTest.slice(0, 4)) as import('@tensorflow/tfjs').Tensor;
    expect(feats.shape).toEqual([4, 128]);
    feats.dispose();
    // No tensor leaks per epoch (tfjs may cache a few constants on first use, so compare two runs).
    const before = tf.memory().numTensors;
    await trainClassifier(tf, classifier, { x: xTrain, labels: train.labels }, { epochs: 1, batchSize: 16, numClasses: TONE_CLASSES.length });
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([xTrain, xTest]);
  });
});
