// S2I GAN-CLS networks (§3.1, Fig. 2a): a DCGAN generator conditioned on the compressed sound
// embedding φ(A) and a discriminator that joins its conv features with φ(A) tiled over space.
// Layer for layer the same as bench/torch_s2i_step.py (sizes 16, 32 and 64).
import type * as tfjs from '@tensorflow/tfjs';
import type { Tf } from '../tf/tfBackend';
import type { ImageSize, ModelPreset } from './presets';
import { LEAKY_RELU_SLOPE } from './presets';
import { fastBatchNormalization } from './fastBatchNorm';
import { BATCH_NORM_EPSILON, BATCH_NORM_MOMENTUM, layerInit, sym, type LayerInit } from './layerInit';

/** §3.1: output images are 64×64×3 (RGB in [-1, 1], tanh). */
export const IMAGE_CHANNELS = 3;
/** DCGAN: number of ×2 up/down-sampling stages after the 4×4 map, per image size (torch reference). */
export const SCALE_STAGES: Record<ImageSize, number> = { 64: 4, 32: 3, 16: 2 };
/** DCGAN kernel size. */
const KERNEL = 4;

export interface GanBuildOptions {
  preset: ModelPreset;
  seed?: number;
  /** Layer-name prefix so G and D of several runs can live in one process. */
  name?: string;
}

/** FC(embedding → conditionDim) + leaky ReLU: the compression φ of §3.1. */
export function conditionProjection(
  tf: Tf, init: LayerInit, embedding: tfjs.SymbolicTensor, conditionDim: number, name: string,
): tfjs.SymbolicTensor {
  const fc = sym(tf.layers.dense({ units: conditionDim, kernelInitializer: init.gan(), name: `${name}_cond_fc` }), embedding);
  return sym(tf.layers.leakyReLU({ alpha: LEAKY_RELU_SLOPE, name: `${name}_cond_lrelu` }), fc);
}

/** DCGAN/GAN-CLS batch norm (§3.1); the fused training path on 'cpu-fast', saved as a stock BatchNormalization. */
export function batchNorm(tf: Tf, init: LayerInit, name: string): tfjs.layers.Layer {
  return fastBatchNormalization(tf, {
    momentum: BATCH_NORM_MOMENTUM, epsilon: BATCH_NORM_EPSILON, gammaInitializer: init.gamma(), name,
  });
}

/**
 * G_{S→I}(z, φ(A)): inputs [noise (B, zDim), embedding (B, 128)] → image (B, S, S, 3) in [-1, 1].
 * z ⊕ φ(A) → deconv 4×4 valid (4×4×ngf·2^(n-1)) → (n-1) × [deconv 4×4 /2, BN, ReLU] → deconv 4×4 /2 → tanh.
 */
export function buildS2IGenerator(tf: Tf, opts: GanBuildOptions): tfjs.LayersModel {
  const { preset } = opts;
  const name = opts.name ?? 's2i_g';
  const init = layerInit(tf, preset.weightInitStd, opts.seed ?? 1);
  const nUp = SCALE_STAGES[preset.imageSize];
  const noise = tf.input({ shape: [preset.zDim], name: `${name}_noise` });
  const embedding = tf.input({ shape: [preset.embeddingDim], name: `${name}_embedding` });
  const cond = conditionProjection(tf, init, embedding, preset.conditionDim, name);
  let h = sym(tf.layers.concatenate({ name: `${name}_concat` }), [noise, cond]);
  h = sym(tf.layers.reshape({ targetShape: [1, 1, preset.zDim + preset.conditionDim], name: `${name}_to_map` }), h);
  let ch = preset.ngf * 2 ** (nUp - 1);
  h = sym(tf.layers.conv2dTranspose({
    filters: ch, kernelSize: KERNEL, strides: 1, padding: 'valid', useBias: false, kernelInitializer: init.gan(), name: `${name}_deconv0`,
  }), h);
  h = sym(batchNorm(tf, init, `${name}_bn0`), h);
  h = sym(tf.layers.reLU({ name: `${name}_relu0` }), h);
  for (let i = 1; i < nUp; i++) {
    ch /= 2;
    h = sym(tf.layers.conv2dTranspose({
      filters: ch, kernelSize: KERNEL, strides: 2, padding: 'same', useBias: false, kernelInitializer: init.gan(), name: `${name}_deconv${i}`,
    }), h);
    h = sym(batchNorm(tf, init, `${name}_bn${i}`), h);
    h = sym(tf.layers.reLU({ name: `${name}_relu${i}` }), h);
  }
  h = sym(tf.layers.conv2dTranspose({
    filters: IMAGE_CHANNELS, kernelSize: KERNEL, strides: 2, padding: 'same', useBias: false, kernelInitializer: init.gan(), name: `${name}_deconv_out`,
  }), h);
  const image = sym(tf.layers.activation({ activation: 'tanh', name: `${name}_tanh` }), h);
  return tf.model({ inputs: [noise, embedding], outputs: image, name });
}

/**
 * Tiles a (B, C) condition to (B, H, W, C), then joins it to (B, H, W, F) features, a 1×1 conv
 * (F channels) + BN + leaky ReLU and a final conv over the whole map → one logit per pair.
 * Shared by the S2I and I2S discriminators.
 */
export function conditionedLogit(
  tf: Tf, init: LayerInit, features: tfjs.SymbolicTensor, cond: tfjs.SymbolicTensor, name: string,
): tfjs.SymbolicTensor {
  const [, height, width, channels] = features.shape as number[];
  let c = sym(tf.layers.reshape({ targetShape: [1, 1, cond.shape[1] as number], name: `${name}_cond_map` }), cond);
  // Nearest-neighbour upsampling of a 1×1 map is exactly tiling (torch: expand).
  c = sym(tf.layers.upSampling2d({ size: [height, width], name: `${name}_cond_tile` }), c);
  let h = sym(tf.layers.concatenate({ name: `${name}_join` }), [features, c]);
  h = sym(tf.layers.conv2d({
    filters: channels, kernelSize: 1, strides: 1, padding: 'valid', useBias: false, kernelInitializer: init.gan(), name: `${name}_join_conv`,
  }), h);
  h = sym(batchNorm(tf, init, `${name}_join_bn`), h);
  h = sym(tf.layers.leakyReLU({ alpha: LEAKY_RELU_SLOPE, name: `${name}_join_lrelu` }), h);
  h = sym(tf.layers.conv2d({
    filters: 1, kernelSize: [height, width], strides: 1, padding: 'valid', useBias: false, kernelInitializer: init.gan(), name: `${name}_logit_conv`,
  }), h);
  return sym(tf.layers.flatten({ name: `${name}_logit` }), h);
}

/**
 * D_{S→I}(x, φ(A)): inputs [image (B, S, S, 3), embedding (B, 128)] → logit (B, 1).
 * conv 4×4 /2 + lReLU → (n-1) × [conv 4×4 /2, BN, lReLU] → ⊕ tiled φ(A) → 1×1 conv, BN, lReLU → conv 4×4 → logit.
 * The sigmoid of the logit is the paper's score S ∈ [0, 1]; losses use logits for stability.
 */
export function buildS2IDiscriminator(tf: Tf, opts: GanBuildOptions): tfjs.LayersModel {
  const { preset } = opts;
  const name = opts.name ?? 's2i_d';
  const init = layerInit(tf, preset.weightInitStd, (opts.seed ?? 1) + 7919);
  const nDown = SCALE_STAGES[preset.imageSize];
  const image = tf.input({ shape: [preset.imageSize, preset.imageSize, IMAGE_CHANNELS], name: `${name}_image` });
  const embedding = tf.input({ shape: [preset.embeddingDim], name: `${name}_embedding` });
  let ch = preset.ndf;
  let h = sym(tf.layers.conv2d({
    filters: ch, kernelSize: KERNEL, strides: 2, padding: 'same', useBias: false, kernelInitializer: init.gan(), name: `${name}_conv0`,
  }), image);
  h = sym(tf.layers.leakyReLU({ alpha: LEAKY_RELU_SLOPE, name: `${name}_lrelu0` }), h);
  for (let i = 1; i < nDown; i++) {
    ch *= 2;
    h = sym(tf.layers.conv2d({
      filters: ch, kernelSize: KERNEL, strides: 2, padding: 'same', useBias: false, kernelInitializer: init.gan(), name: `${name}_conv${i}`,
    }), h);
    h = sym(batchNorm(tf, init, `${name}_bn${i}`), h);
    h = sym(tf.layers.leakyReLU({ alpha: LEAKY_RELU_SLOPE, name: `${name}_lrelu${i}` }), h);
  }
  const cond = conditionProjection(tf, init, embedding, preset.conditionDim, name);
  const logit = conditionedLogit(tf, init, h, cond, name);
  return tf.model({ inputs: [image, embedding], outputs: logit, name });
}
