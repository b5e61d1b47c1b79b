// Image classifier Γ / image encoder (§3.4, Fig. 5): six 3×3 conv layers and three FC layers on a
// 64×64×3 image; the 128-unit second FC layer is the image embedding fed to the I2S GAN, and Γ's
// accuracy on generated images is the S2I metric (Table 5). Fig. 5 is not legible in our copy:
// conv pairs separated by 2×2 max-pooling (64 → 32 → 16 → 8) and a 256-unit first FC are our choices.
import type { Tf } from '../tf/tfBackend';
import type { ModelPreset } from './presets';
import { EMBEDDING_DIM } from './presets';
import { IMAGE_CHANNELS } from './s2iGan';
import { layerInit, sym } from './layerInit';
import type { EncoderClassifier } from './soundClassifier';

/** §3.4: all convolution kernels are 3×3. */
export const IMAGE_CONV_KERNEL = 3;
/** §3.4: six convolutional layers. */
export const IMAGE_CONV_LAYERS = 6;
/** GAN-CLS-style dropout before the last layer (the paper is silent). */
export const IMAGE_CLASSIFIER_DROPOUT = 0.3;

export interface ImageClassifierOptions {
  preset: ModelPreset;
  numClasses: number;
  /** Image side; defaults to the preset's S2I image size (64 at `paper`). */
  imageSize?: number;
  seed?: number;
  name?: string;
}

export function buildImageClassifier(tf: Tf, opts: ImageClassifierOptions): EncoderClassifier {
  const { preset, numClasses } = opts;
  const name = opts.name ?? 'image_cls';
  const size = opts.imageSize ?? preset.imageSize;
  const init = layerInit(tf, preset.weightInitStd, (opts.seed ?? 1) + 67);
  const input = tf.input({ shape: [size, size, IMAGE_CHANNELS], name: `${name}_input` });
  let h = input;
  for (let i = 0; i < IMAGE_CONV_LAYERS; i++) {
    h = sym(tf.layers.conv2d({
      filters: preset.imageConvFilters[i], kernelSize: IMAGE_CONV_KERNEL, padding: 'same', activation: 'relu',
      kernelInitializer: init.glorot(), name: `${name}_conv${i}`,
    }), h);
    if (i % 2 === 1) h = sym(tf.layers.maxPooling2d({ poolSize: 2, strides: 2, padding: 'same', name: `${name}_pool${i}` }), h);
  }
  h = sym(tf.layers.flatten({ name: `${name}_flatten` }), h);
  h = sym(tf.layers.dense({ units: preset.imageFcUnits, activation: 'relu', kernelInitializer: init.glorot(), name: `${name}_fc1` }), h);
  const feature = sym(tf.layers.dense({
    units: EMBEDDING_DIM, activation: 'relu', kernelInitializer: init.glorot(), name: `${name}_fc2_embedding`,
  }), h);
  h = sym(tf.layers.dropout({ rate: IMAGE_CLASSIFIER_DROPOUT, seed: init.seed(), name: `${name}_drop` }), feature);
  const logits = sym(tf.layers.dense({ units: numClasses, kernelInitializer: init.glorot(), name: `${name}_fc3_logits` }), h);
  return {
    classifier: tf.model({ inputs: input, outputs: logits, name }),
    embedding: tf.model({ inputs: input, outputs: feature, name: `${name}_embedding` }),
  };
}
