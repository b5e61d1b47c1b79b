// Sound classifier / encoder (§3.3, Fig. 4): four conv layers and three fully connected layers on a
// spectrogram (LMS 128×44×1 by default; any Table 1 representation's shape is accepted). The second
// FC layer (128 units) is the sound embedding fed to the S2I GAN; `embedding` is a second model over
// the same layers, so it shares the trained weights.
// Fig. 4 is not legible in our copy: 3×3 kernels, ReLU and 2×2 max-pooling after every conv and a
// 256-unit first FC are our choices (widths are preset fields).
import type * as tfjs from '@tensorflow/tfjs';
import type { Tf } from '../tf/tfBackend';
import type { ModelPreset, Representation } from './presets';
import { EMBEDDING_DIM, REPRESENTATION_SHAPES, SOUND_CLASSIFIER_DROPOUT_RATES, SOUND_CLASSIFIER_FC_L2 } from './presets';
import { layerInit, sym } from './layerInit';

/** Table 1 compares 3 and 4 conv layers; 4 is the paper's choice. */
export type SoundConvDepth = 3 | 4;
export const SOUND_CONV_KERNEL = 3;
export const SOUND_POOL = 2;

export interface SoundClassifierOptions {
  preset: ModelPreset;
  numClasses: number;
  /** Input [height, frames]; defaults to the preset's (LMS 128×44 at `paper`). */
  inputShape?: readonly [number, number];
  /** Shorthand for a Table 1 representation's shape (ignored if inputShape is given). */
  representation?: Representation;
  convLayers?: SoundConvDepth;
  seed?: number;
  name?: string;
}

export interface EncoderClassifier {
  /** spectrogram → class logits (softmax is applied by the loss). */
  classifier: tfjs.LayersModel;
  /** spectrogram → 128-d feature (same layers and weights as `classifier`). */
  embedding: tfjs.LayersModel;
}

export function soundInputShape(opts: SoundClassifierOptions): readonly [number, number] {
  if (opts.inputShape) return opts.inputShape;
  if (opts.representation) return REPRESENTATION_SHAPES[opts.representation];
  return opts.preset.soundInputShape;
}

export function buildSoundClassifier(tf: Tf, opts: SoundClassifierOptions): EncoderClassifier {
  const { preset, numClasses } = opts;
  const depth = opts.convLayers ?? 4;
  const name = opts.name ?? `sound_cls${depth}`;
  const init = layerInit(tf, preset.weightInitStd, (opts.seed ?? 1) + 31);
  const [height, frames] = soundInputShape(opts);
  const input = tf.input({ shape: [height, frames, 1], name: `${name}_input` });
  let h = input;
  for (let i = 0; i < depth; i++) {
    h = sym(tf.layers.conv2d({
      filters: preset.soundConvFilters[i], kernelSize: SOUND_CONV_KERNEL, padding: 'same', activation: 'relu',
      kernelInitializer: init.glorot(), name: `${name}_conv${i}`,
    }), h);
    // 'same' pooling keeps narrow inputs (MFCC: 20 rows) valid at every depth.
    h = sym(tf.layers.maxPooling2d({ poolSize: SOUND_POOL, strides: SOUND_POOL, padding: 'same', name: `${name}_pool${i}` }), h);
  }
  h = sym(tf.layers.flatten({ name: `${name}_flatten` }), h);
  const l2 = (): ReturnType<Tf['regularizers']['l2']> => tf.regularizers.l2({ l2: SOUND_CLASSIFIER_FC_L2 });
  h = sym(tf.layers.dense({
    units: preset.soundFcUnits, activation: 'relu', kernelInitializer: init.glorot(), kernelRegularizer: l2(), name: `${name}_fc1`,
  }), h);
  h = sym(tf.layers.dropout({ rate: SOUND_CLASSIFIER_DROPOUT_RATES[0], seed: init.seed(), name: `${name}_drop1` }), h);
  const feature = sym(tf.layers.dense({
    units: EMBEDDING_DIM, activation: 'relu', kernelInitializer: init.glorot(), kernelRegularizer: l2(), name: `${name}_fc2_embedding`,
  }), h);
  h = sym(tf.layers.dropout({ rate: SOUND_CLASSIFIER_DROPOUT_RATES[1], seed: init.seed(), name: `${name}_drop2` }), feature);
  const logits = sym(tf.layers.dense({
    units: numClasses, kernelInitializer: init.glorot(), kernelRegularizer: l2(), name: `${name}_fc3_logits`,
  }), h);
  return {
    classifier: tf.model({ inputs: input, outputs: logits, name }),
    embedding: tf.model({ inputs: input, outputs: feature, name: `${name}_embedding` }),
  };
}
