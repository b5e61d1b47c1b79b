// I2S GAN-CLS networks (§3.1, Fig. 2b): image embedding φ(I) → 128×34 LMS, and a discriminator
// that mirrors it. Our reading of §3.1:
//  - G: z ⊕ φ(I) → DCGAN upsampling 1 → 4 → 8 → 16 → 32 (the "32×32×128 feature map" is 2·ngf wide
//    at ngf = 64), then the "two layers added to the generator" as two 3×3 stride-1 conv + BN + ReLU
//    on that square map, then two deconvolutions 4×4 with stride 2×1 and 1×1 zero padding:
//    32×32 → 64×33 → 128×34 (torch arithmetic: (in−1)·s − 2·pad + k). Output tanh, so real LMS must
//    be scaled to [-1, 1] by the data pipeline.
//  - D: 128×34 → two convs 4×4, stride 2×1, pad 1 → 64×33 → 32×32 square map, then the "12 layers
//    added to the discriminator" as 3×3 stride-1 conv + BN + leaky ReLU on the square map, then DCGAN
//    downsampling 32 → 16 → 8 → 4 and the same conditioned logit head as the S2I discriminator.
//    The count of extra layers is a preset field (paper: 2 and 12).
import type * as tfjs from '@tensorflow/tfjs';
import type { Tf } from '../tf/tfBackend';
import { I2S_SPECTROGRAM_SHAPE, I2S_SQUARE_SIZE, LEAKY_RELU_SLOPE } from './presets';
import { layerInit, sym } from './layerInit';
import { batchNorm, conditionProjection, conditionedLogit, type GanBuildOptions } from './s2iGan';

/** §3.1: rectangular (de)convolutions: kernel 4×4, stride 2 (frequency) × 1 (time), padding 1. */
export const I2S_RECT_KERNEL = 4;
export const I2S_RECT_STRIDES: [number, number] = [2, 1];
export const I2S_RECT_PADDING = 1;
/** Our reading of the extra layers of §3.1: 3×3, stride 1, same padding. */
export const I2S_EXTRA_KERNEL = 3;
/** Square DCGAN part: 4×4 seed map doubled three times to 32×32. */
const SEED_SIZE = 4;

/** G_{I→S}(z, φ(I)): inputs [noise (B, zDim), embedding (B, 128)] → LMS (B, 128, 34, 1) in [-1, 1]. */
export function buildI2SGenerator(tf: Tf, opts: GanBuildOptions): tfjs.LayersModel {
  const { preset } = opts;
  const name = opts.name ?? 'i2s_g';
  const init = layerInit(tf, preset.weightInitStd, (opts.seed ?? 1) + 104729);
  const noise = tf.input({ shape: [preset.zDim], name: `${name}_noise` });
  const embedding = tf.input({ shape: [preset.embeddingDim], name: `${name}_embedding` });
  const cond = conditionProjection(tf, init, embedding, preset.conditionDim, name);
  let h = sym(tf.layers.concatenate({ name: `${name}_concat` }), [noise, cond]);
  h = sym(tf.layers.reshape({ targetShape: [1, 1, preset.zDim + preset.conditionDim], name: `${name}_to_map` }), h);
  // 1 → 4 → 8 → 16 → 32 with widths 8·ngf, 4·ngf, 2·ngf, 2·ngf (2·ngf = 128 at the paper preset).
  const widths = [8, 4, 2, 2].map((m) => m * preset.ngf);
  let size = 1;
  widths.forEach((filters, i) => {
    h = sym(tf.layers.conv2dTranspose({
      filters, kernelSize: 4, strides: i === 0 ? 1 : 2, padding: i === 0 ? 'valid' : 'same', useBias: false,
      kernelInitializer: init.gan(), name: `${name}_deconv${i}`,
    }), h);
    size = i === 0 ? SEED_SIZE : size * 2;
    h = sym(batchNorm(tf, init, `${name}_bn${i}`), h);
    h = sym(tf.layers.reLU({ name: `${name}_relu${i}` }), h);
  });
  if (size !== I2S_SQUARE_SIZE) throw new Error(`I2S generator reached ${size}×${size}, expected ${I2S_SQUARE_SIZE}`);
  const squareWidth = widths[widths.length - 1];
  for (let i = 0; i < preset.i2sExtraGeneratorLayers; i++) {
    h = sym(tf.layers.conv2d({
      filters: squareWidth, kernelSize: I2S_EXTRA_KERNEL, strides: 1, padding: 'same', useBias: false,
      kernelInitializer: init.gan(), name: `${name}_extra${i}`,
    }), h);
    h = sym(batchNorm(tf, init, `${name}_extra_bn${i}`), h);
    h = sym(tf.layers.reLU({ name: `${name}_extra_relu${i}` }), h);
  }
  // Torch-style padding 1 on a transposed conv = valid transposed conv, then crop 1 on each side.
  const rect = (filters: number, tag: string): void => {
    h = sym(tf.layers.conv2dTranspose({
      filters, kernelSize: I2S_RECT_KERNEL, strides: I2S_RECT_STRIDES, padding: 'valid', useBias: false,
      kernelInitializer: init.gan(), name: `${name}_rect_${tag}`,
    }), h);
    h = sym(tf.layers.cropping2D({
      cropping: [[I2S_RECT_PADDING, I2S_RECT_PADDING], [I2S_RECT_PADDING, I2S_RECT_PADDING]], name: `${name}_rect_${tag}_crop`,
    }), h);
  };
  rect(preset.ngf, '0');
  h = sym(batchNorm(tf, init, `${name}_rect_bn0`), h);
  h = sym(tf.layers.reLU({ name: `${name}_rect_relu0` }), h);
  rect(1, 'out');
  const lms = sym(tf.layers.activation({ activation: 'tanh', name: `${name}_tanh` }), h);
  const [outH, outW] = (lms.shape as number[]).slice(1, 3);
  if (outH !== I2S_SPECTROGRAM_SHAPE[0] || outW !== I2S_SPECTROGRAM_SHAPE[1]) {
    throw new Error(`I2S generator produced ${outH}×${outW}, expected ${I2S_SPECTROGRAM_SHAPE.join('×')}`);
  }
  return tf.model({ inputs: [noise, embedding], outputs: lms, name });
}

/** D_{I→S}(x_A, φ(I)): inputs [LMS (B, 128, 34, 1), embedding (B, 128)] → logit (B, 1). */
export function buildI2SDiscriminator(tf: Tf, opts: GanBuildOptions): tfjs.LayersModel {
  const { preset } = opts;
  const name = opts.name ?? 'i2s_d';
  const init = layerInit(tf, preset.weightInitStd, (opts.seed ?? 1) + 1299709);
  const lms = tf.input({ shape: [I2S_SPECTROGRAM_SHAPE[0], I2S_SPECTROGRAM_SHAPE[1], 1], name: `${name}_lms` });
  const embedding = tf.input({ shape: [preset.embeddingDim], name: `${name}_embedding` });
  const rectWidths = [preset.ndf, 2 * preset.ndf];
  let h = lms;
  rectWidths.forEach((filters, i) => {
    h = sym(tf.layers.zeroPadding2d({ padding: I2S_RECT_PADDING, name: `${name}_rect_pad${i}` }), h);
    h = sym(tf.layers.conv2d({
      filters, kernelSize: I2S_RECT_KERNEL, strides: I2S_RECT_STRIDES, padding: 'valid', useBias: false,
      kernelInitializer: init.gan(), name: `${name}_rect${i}`,
    }), h);
    if (i > 0) h = sym(batchNorm(tf, init, `${name}_rect_bn${i}`), h);
    h = sym(tf.layers.leakyReLU({ alpha: LEAKY_RELU_SLOPE, name: `${name}_rect_lrelu${i}` }), h);
  });
  const [sqH, sqW] = (h.shape as number[]).slice(1, 3);
  if (sqH !== I2S_SQUARE_SIZE || sqW !== I2S_SQUARE_SIZE) {
    throw new Error(`I2S discriminator reached ${sqH}×${sqW}, expected ${I2S_SQUARE_SIZE}×${I2S_SQUARE_SIZE}`);
  }
  for (let i = 0; i < preset.i2sExtraDiscriminatorLayers; i++) {
    h = sym(tf.layers.conv2d({
      filters: rectWidths[1], kernelSize: I2S_EXTRA_KERNEL, strides: 1, padding: 'same', useBias: false,
      kernelInitializer: init.gan(), name: `${name}_extra${i}`,
    }), h);
    h = sym(batchNorm(tf, init, `${name}_extra_bn${i}`), h);
    h = sym(tf.layers.leakyReLU({ alpha: LEAKY_RELU_SLOPE, name: `${name}_extra_lrelu${i}` }), h);
  }
  // DCGAN downsampling of the square map: 32 → 16 → 8 → 4 with widths 4·ndf, 8·ndf, 8·ndf.
  [4, 8, 8].forEach((m, i) => {
    h = sym(tf.layers.conv2d({
      filters: m * preset.ndf, kernelSize: 4, strides: 2, padding: 'same', useBias: false,
      kernelInitializer: init.gan(), name: `${name}_down${i}`,
    }), h);
    h = sym(batchNorm(tf, init, `${name}_down_bn${i}`), h);
    h = sym(tf.layers.leakyReLU({ alpha: LEAKY_RELU_SLOPE, name: `${name}_down_lrelu${i}` }), h);
  });
  const cond = conditionProjection(tf, init, embedding, preset.conditionDim, name);
  const logit = conditionedLogit(tf, init, h, cond, name);
  return tf.model({ inputs: [lms, embedding], outputs: logit, name });
}
