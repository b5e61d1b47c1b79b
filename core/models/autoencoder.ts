// Stacked convolution–deconvolution autoencoder, the sound encoder of S2I-A (§5.1). Our reading:
//  - Four stacks trained greedily, "in order": stack k learns an encoder h_k = enc_k(h_{k-1}) and a
//    decoder that reconstructs h_{k-1} from h_k, minimising MSE(h_{k-1}, dec_k(h_k)); earlier stacks
//    are frozen while a later one trains, and the output of stack k's convolution is the input of
//    stack k+1 ("the output of convolution is given as input to the next layer in stacks").
//  - Stacks 1–3 are a valid conv and its mirrored transposed conv. Kernels 3, 3 and 5 shrink the
//    128×44 LMS to 126×42, 124×40 and finally 120×36; the third conv has one channel so the last
//    stack's input is "a 2D array of shape 120×36", as §5.1 states.
//  - Stack 4 flattens the 120×36 array, projects it to 128 units (the embedding; tanh, our choice,
//    keeps it bounded like the classifier embeddings are non-negative) and back to 120×36.
//  - The S2I-A embedding is LMS → enc_1 → enc_2 → enc_3 → FC 128 (the `encoder` model).
import type * as tfjs from '@tensorflow/tfjs';
import type { Tf } from '../tf/tfBackend';
import type { ModelPreset } from './presets';
import { EMBEDDING_DIM } from './presets';
import { layerInit, sym } from './layerInit';

/** §5.1: four stacks. */
export const AUTOENCODER_STACKS = 4;
/** Kernel sizes of the three conv/deconv stacks (valid padding): 128×44 → 120×36. */
export const AUTOENCODER_CONV_KERNELS = [3, 3, 5] as const;

export interface AutoencoderStack {
  /** h_{k-1} → h_k */
  encoder: tfjs.LayersModel;
  /** h_{k-1} → reconstruction of h_{k-1}; trained with MSE. */
  autoencoder: tfjs.LayersModel;
}

export interface StackedAutoencoder {
  stacks: AutoencoderStack[];
  /** input spectrogram → 128-d embedding (shares the stacks' encoder weights). */
  encoder: tfjs.LayersModel;
}

export interface AutoencoderOptions {
  preset: ModelPreset;
  /** [height, frames]; defaults to the preset's (128×44 at `paper`). */
  inputShape?: readonly [number, number];
  seed?: number;
  name?: string;
}

export function buildStackedAutoencoder(tf: Tf, opts: AutoencoderOptions): StackedAutoencoder {
  const { preset } = opts;
  const name = opts.name ?? 'sound_ae';
  const init = layerInit(tf, preset.weightInitStd, (opts.seed ?? 1) + 211);
  const [height, frames] = opts.inputShape ?? preset.autoencoderInputShape;
  const stacks: AutoencoderStack[] = [];
  const encoders: tfjs.layers.Layer[] = [];
  let shape: [number, number, number] = [height, frames, 1];
  AUTOENCODER_CONV_KERNELS.forEach((kernel, i) => {
    const channels = preset.autoencoderChannels[i];
    const last = i === AUTOENCODER_CONV_KERNELS.length - 1;
    const enc = tf.layers.conv2d({
      filters: channels, kernelSize: kernel, padding: 'valid', activation: last ? 'linear' : 'relu',
      kernelInitializer: init.glorot(), name: `${name}_enc${i + 1}`,
    });
    const dec = tf.layers.conv2dTranspose({
      filters: shape[2], kernelSize: kernel, padding: 'valid', kernelInitializer: init.glorot(), name: `${name}_dec${i + 1}`,
    });
    const input = tf.input({ shape, name: `${name}_stack${i + 1}_input` });
    const code = sym(enc, input);
    const recon = sym(dec, code);
    stacks.push({
      encoder: tf.model({ inputs: input, outputs: code, name: `${name}_stack${i + 1}_encoder` }),
      autoencoder: tf.model({ inputs: input, outputs: recon, name: `${name}_stack${i + 1}` }),
    });
    encoders.push(enc);
    shape = [shape[0] - kernel + 1, shape[1] - kernel + 1, channels];
  });
  // Stack 4: flatten the 2-D array → FC 128 → FC back → reshape.
  const flatten = tf.layers.flatten({ name: `${name}_flatten` });
  const fcEnc = tf.layers.dense({ units: EMBEDDING_DIM, activation: 'tanh', kernelInitializer: init.glorot(), name: `${name}_fc_embedding` });
  const size = shape[0] * shape[1] * shape[2];
  const fcDec = tf.layers.dense({ units: size, kernelInitializer: init.glorot(), name: `${name}_fc_dec` });
  const lastInput = tf.input({ shape, name: `${name}_stack4_input` });
  const embedding4 = sym(fcEnc, sym(flatten, lastInput));
  const recon4 = sym(tf.layers.reshape({ targetShape: shape, name: `${name}_unflatten` }), sym(fcDec, embedding4));
  stacks.push({
    encoder: tf.model({ inputs: lastInput, outputs: embedding4, name: `${name}_stack4_encoder` }),
    autoencoder: tf.model({ inputs: lastInput, outputs: recon4, name: `${name}_stack4` }),
  });
  const input = tf.input({ shape: [height, frames, 1], name: `${name}_input` });
  let h = input;
  for (const enc of encoders) h = sym(enc, h);
  const embedding = sym(fcEnc, sym(flatten, h));
  return { stacks, encoder: tf.model({ inputs: input, outputs: embedding, name: `${name}_encoder` }) };
}
