// Shapes of every network at the `paper` preset (built, never trained here), and the sizes the
// S2I networks support at the `tiny` preset.
import { describe, expect, it } from 'vitest';
import { loadTf } from '../tf/tfBackend';
import { PAPER_PRESET, REPRESENTATION_SHAPES, SMALL_PRESET, SUB_URMP_CLASSES, TINY_PRESET, type ImageSize } from './presets';
import { buildS2IDiscriminator, buildS2IGenerator } from './s2iGan';
import { buildI2SDiscriminator, buildI2SGenerator } from './i2sGan';
import { buildSoundClassifier } from './soundClassifier';
import { buildImageClassifier } from './imageClassifier';
import { buildStackedAutoencoder } from './autoencoder';

const { tf } = await loadTf();
const shapeOf = (m: { outputs: { shape: (number | null)[] }[] }): (number | null)[] => m.outputs[0].shape;

describe('paper-preset shapes (§3, §5.1)', () => {
  const p = PAPER_PRESET;

  it('S2I: z ⊕ φ(A) → 64×64×3; D → one logit', () => {
    const g = buildS2IGenerator(tf, { preset: p });
    const d = buildS2IDiscriminator(tf, { preset: p });
    expect(g.inputs.map((i) => i.shape)).toEqual([[null, 100], [null, 128]]);
    expect(shapeOf(g)).toEqual([null, 64, 64, 3]);
    expect(g.getLayer('s2i_g_cond_fc').outputShape).toEqual([null, 64]);
    expect(g.getLayer('s2i_g_deconv0').outputShape).toEqual([null, 4, 4, 512]);
    expect(d.inputs.map((i) => i.shape)).toEqual([[null, 64, 64, 3], [null, 128]]);
    expect(d.getLayer('s2i_d_cond_tile').outputShape).toEqual([null, 4, 4, 64]);
    expect(shapeOf(d)).toEqual([null, 1]);
    // Trainable parameters counted by hand from torch_s2i_step.py at size 64 (e.g. G: Linear 128→64
    // 8256 + ConvT 164→512 1,343,488 + BN 1024 + ConvT 512→256 2,097,152 + ...).
    const trainable = (m: typeof g): number => m.trainableWeights.reduce((n, w) => n + (w.shape as number[]).reduce((a, b) => a * b, 1), 0);
    expect(trainable(g)).toBe(4_109_248);
    expect(trainable(d)).toBe(3_069_760);
  });

  it('I2S: φ(I) → 128×34×1 via 32×32×128 and two 2×1-stride deconvs; D mirrors it', () => {
    const g = buildI2SGenerator(tf, { preset: p });
    const d = buildI2SDiscriminator(tf, { preset: p });
    expect(g.getLayer('i2s_g_extra1').outputShape).toEqual([null, 32, 32, 128]);
    expect(g.getLayer('i2s_g_rect_0_crop').outputShape).toEqual([null, 64, 33, 64]);
    expect(shapeOf(g)).toEqual([null, 128, 34, 1]);
    expect(d.getLayer('i2s_d_rect0').outputShape).toEqual([null, 64, 33, 64]);
    expect(d.getLayer('i2s_d_rect1').outputShape).toEqual([null, 32, 32, 128]);
    expect(d.layers.filter((l) => l.name.startsWith('i2s_d_extra') && !l.name.includes('_bn') && !l.name.includes('lrelu'))).toHaveLength(12);
    expect(g.layers.filter((l) => /^i2s_g_extra\d+$/.test(l.name))).toHaveLength(2);
    expect(shapeOf(d)).toEqual([null, 1]);
  });

  it('sound classifier: LMS 128×44×1 → 13 logits, 128-d embedding sharing weights; 3-conv variant; Table 1 inputs', () => {
    const { classifier, embedding } = buildSoundClassifier(tf, { preset: p, numClasses: SUB_URMP_CLASSES });
    expect(classifier.inputs[0].shape).toEqual([null, 128, 44, 1]);
    expect(shapeOf(classifier)).toEqual([null, 13]);
    expect(shapeOf(embedding)).toEqual([null, 128]);
    expect(classifier.layers.filter((l) => l.getClassName() === 'Conv2D')).toHaveLength(4);
    expect(classifier.layers.filter((l) => l.getClassName() === 'Dense')).toHaveLength(3);
    expect(embedding.getLayer('sound_cls4_fc1')).toBe(classifier.getLayer('sound_cls4_fc1'));
    const three = buildSoundClassifier(tf, { preset: p, numClasses: 13, convLayers: 3 }).classifier;
    expect(three.layers.filter((l) => l.getClassName() === 'Conv2D')).toHaveLength(3);
    for (const [rep, [h, w]] of Object.entries(REPRESENTATION_SHAPES)) {
      if (rep === 'stft') continue; // 1025 rows: same code path, just a large model to build
      const m = buildSoundClassifier(tf, { preset: p, numClasses: 13, representation: rep as keyof typeof REPRESENTATION_SHAPES }).classifier;
      expect(m.inputs[0].shape).toEqual([null, h, w, 1]);
      expect(shapeOf(m)).toEqual([null, 13]);
    }
  });

  it('image classifier Γ: 64×64×3 → 13 logits with six 3×3 convs; 128-d embedding', () => {
    const { classifier, embedding } = buildImageClassifier(tf, { preset: p, numClasses: 13 });
    expect(classifier.inputs[0].shape).toEqual([null, 64, 64, 3]);
    expect(shapeOf(classifier)).toEqual([null, 13]);
    expect(shapeOf(embedding)).toEqual([null, 128]);
    const convs = classifier.layers.filter((l) => l.getClassName() === 'Conv2D');
    expect(convs).toHaveLength(6);
    expect(classifier.layers.filter((l) => l.getClassName() === 'Dense')).toHaveLength(3);
  });

  it('autoencoder: four stacks, the last sees 120×36, FC 128 embedding', () => {
    const ae = buildStackedAutoencoder(tf, { preset: p });
    expect(ae.stacks).toHaveLength(4);
    ae.stacks.forEach((s) => expect(shapeOf(s.autoencoder)).toEqual(s.autoencoder.inputs[0].shape));
    expect(ae.stacks[3].autoencoder.inputs[0].shape).toEqual([null, 120, 36, 1]);
    expect(shapeOf(ae.stacks[3].encoder)).toEqual([null, 128]);
    expect(ae.encoder.inputs[0].shape).toEqual([null, 128, 44, 1]);
    expect(shapeOf(ae.encoder)).toEqual([null, 128]);
  });
});

describe('tiny preset', () => {
  it.each([16, 32, 64] as ImageSize[])('S2I G/D support size %i and run forward', (size) => {
    const preset = { ...TINY_PRESET, imageSize: size };
    const g = buildS2IGenerator(tf, { preset });
    const d = buildS2IDiscriminator(tf, { preset });
    const out = tf.tidy(() => {
      const img = g.predict([tf.randomNormal([2, preset.zDim]), tf.randomNormal([2, 128])]) as import('@tensorflow/tfjs').Tensor;
      const logit = d.predict([img, tf.randomNormal([2, 128])]) as import('@tensorflow/tfjs').Tensor;
      return [img.shape, logit.shape, img.max().dataSync()[0], img.min().dataSync()[0]];
    });
    expect(out[0]).toEqual([2, size, size, 3]);
    expect(out[1]).toEqual([2, 1]);
    expect(out[2]).toBeLessThanOrEqual(1);
    expect(out[3]).toBeGreaterThanOrEqual(-1);
  });

  it('same seed → same initial weights', () => {
    const a = buildS2IGenerator(tf, { preset: TINY_PRESET, seed: 5 });
    const b = buildS2IGenerator(tf, { preset: TINY_PRESET, seed: 5 });
    const w = (m: typeof a): number[] => Array.from(m.getWeights()[0].dataSync().slice(0, 8));
    expect(w(a)).toEqual(w(b));
  });
});

describe('small-preset shapes (the paper\'s structure, narrower)', () => {
  const kinds = (m: { layers: { getClassName(): string }[] }) => m.layers.map((l) => l.getClassName());

  it('S2I G/D: 64×64×3 with the paper preset\'s layers, a quarter of its widths', () => {
    for (const build of [buildS2IGenerator, buildS2IDiscriminator]) {
      const small = build(tf, { preset: SMALL_PRESET });
      const paper = build(tf, { preset: PAPER_PRESET });
      expect(kinds(small)).toEqual(kinds(paper));
      expect(small.inputs.map((i) => i.shape)).toEqual(paper.inputs.map((i) => i.shape));
      expect(shapeOf(small)).toEqual(shapeOf(paper));
    }
    expect(buildS2IGenerator(tf, { preset: SMALL_PRESET }).getLayer('s2i_g_deconv0').outputShape).toEqual([null, 4, 4, 128]);
  });

  it('Γ on 64×64 images, the sound classifier and the autoencoder on LMS 128×44, as at paper', () => {
    const gamma = buildImageClassifier(tf, { preset: SMALL_PRESET, numClasses: 5 });
    expect(gamma.classifier.inputs[0].shape).toEqual([null, 64, 64, 3]);
    expect(kinds(gamma.classifier)).toEqual(kinds(buildImageClassifier(tf, { preset: PAPER_PRESET, numClasses: 5 }).classifier));
    const sound = buildSoundClassifier(tf, { preset: SMALL_PRESET, numClasses: 5 });
    expect(sound.classifier.inputs[0].shape).toEqual([null, 128, 44, 1]);
    expect(shapeOf(sound.embedding)).toEqual([null, 128]);
    const ae = buildStackedAutoencoder(tf, { preset: SMALL_PRESET });
    expect(ae.encoder.inputs[0].shape).toEqual([null, 128, 44, 1]);
    expect(shapeOf(ae.encoder)).toEqual([null, 128]);
  });
});
