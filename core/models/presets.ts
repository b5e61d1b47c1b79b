// Model and optimiser settings. `paper` follows Chen et al. 2017 (paper.md) and, where the paper is
// silent, the GAN-CLS defaults of Reed et al. 2016 (reedscot/icml2016, docs/ARCHITECTURE.md "Decisions taken from
// peers"). `tiny` is the same code with small widths and images so it trains in seconds on a CPU.
// `small` keeps the paper's 64×64 images, LMS 128×44 and layer structure with narrower layers, so
// the S2I variants train in minutes on a 2-core CPU (README "Fidelity").

import { PRESET_VALUES } from '../contract/runsContract';

/** §3.3 / §3.4: both encoders expose a 128-d FC feature used as the GAN condition. */
export const EMBEDDING_DIM = 128;
/** §3.1: the 128-d encoding is compressed to 64 by an FC layer followed by a leaky ReLU. */
export const CONDITION_DIM = 64;
/** §3.1 does not give the slope; 0.2 is the GAN-CLS / DCGAN value. */
export const LEAKY_RELU_SLOPE = 0.2;
/** §3.3: LMS of a 0.5 s window at 44.1 kHz, n_fft 2048, hop 512 → 128 mel bands × 44 frames. */
export const LMS_SHAPE = [128, 44] as const;
/** §3.1: I2S works on LMS resized 128×44 → 128×34. */
export const I2S_SPECTROGRAM_SHAPE = [128, 34] as const;
/** §3.1: the I2S generator reaches a 32×32×128 square map before the rectangular deconvolutions. */
export const I2S_SQUARE_SIZE = 32;
/** §5.1: the last autoencoder stack sees a 120×36 2-D array. */
export const AUTOENCODER_LAST_STACK_SHAPE = [120, 36] as const;
/** §3.3: "l2 = 0.015" on the fully connected layers of the sound classifier. */
export const SOUND_CLASSIFIER_FC_L2 = 0.015;
/**
 * §3.3: "dropout (0.7 and 0.8 respectively) to the last two layers". Read as keep probabilities
 * (TensorFlow 1 `keep_prob`, the usual convention in 2017), i.e. drop rates 0.3 and 0.2.
 */
export const SOUND_CLASSIFIER_DROPOUT_RATES = [1 - 0.7, 1 - 0.8] as const;
/** Table 2: Sub-URMP has 13 instrument categories; Table 3: INIS has 5. */
export const SUB_URMP_CLASSES = 13;
export const INIS_CLASSES = 5;

/**
 * Table 1 compares five representations of the same 0.5 s window. Heights follow the usual
 * librosa defaults for the paper's STFT parameters (n_fft 2048 → 1025 bins; CQT 84 bins = 7 octaves;
 * MFCC 20 coefficients; MS / LMS 128 mel bands); all have 44 frames at hop 512.
 */
export const REPRESENTATION_SHAPES = {
  stft: [1025, 44],
  cqt: [84, 44],
  mfcc: [20, 44],
  ms: [128, 44],
  lms: [128, 44],
} as const satisfies Record<string, readonly [number, number]>;
export type Representation = keyof typeof REPRESENTATION_SHAPES;

export type ImageSize = 16 | 32 | 64;

/** Every preset name, largest first (run configs, CLI `--preset`, the launch form). */
export const PRESET_NAMES = PRESET_VALUES;

export interface ModelPreset {
  name: (typeof PRESET_NAMES)[number];
  /** S2I output side (§3.1: 64). The generator and discriminator support 16, 32 and 64. */
  imageSize: ImageSize;
  /** Noise size Z; GAN-CLS uses 100 drawn from N(0, 1) (the paper is silent). */
  zDim: number;
  embeddingDim: number;
  conditionDim: number;
  /** DCGAN base widths; GAN-CLS uses 64 (the paper is silent). */
  ngf: number;
  ndf: number;
  /** GAN-CLS: batch 64, Adam lr 2e-4, β1 0.5 (the paper is silent). */
  batchSize: number;
  learningRate: number;
  beta1: number;
  beta2: number;
  /** DCGAN / GAN-CLS initialisation: conv and FC weights ~ N(0, 0.02), BN γ ~ N(1, 0.02). */
  weightInitStd: number;
  /** §3.1: I2S extra layers ("two layers to the generator and 12 to the discriminator"). */
  i2sExtraGeneratorLayers: number;
  i2sExtraDiscriminatorLayers: number;
  /** Sound classifier (§3.3, Fig. 4): filters of the 4 conv layers and width of the first FC. */
  soundConvFilters: readonly number[];
  soundFcUnits: number;
  /** Input [height, frames] of the sound classifier. */
  soundInputShape: readonly [number, number];
  /** Image classifier Γ (§3.4, Fig. 5): filters of the six 3×3 conv layers and the first FC. */
  imageConvFilters: readonly number[];
  imageFcUnits: number;
  /** Autoencoder (§5.1): channels of the first three conv/deconv stacks. */
  autoencoderChannels: readonly number[];
  /** Autoencoder input [height, frames]. */
  autoencoderInputShape: readonly [number, number];
}

export const PAPER_PRESET: ModelPreset = {
  name: 'paper',
  imageSize: 64,
  zDim: 100,
  embeddingDim: EMBEDDING_DIM,
  conditionDim: CONDITION_DIM,
  ngf: 64,
  ndf: 64,
  batchSize: 64,
  learningRate: 2e-4,
  beta1: 0.5,
  beta2: 0.999,
  weightInitStd: 0.02,
  i2sExtraGeneratorLayers: 2,
  i2sExtraDiscriminatorLayers: 12,
  // Fig. 4 / Fig. 5 are not legible in our copy: widths are our choice (doubling per pooled stage).
  soundConvFilters: [32, 64, 128, 128],
  soundFcUnits: 256,
  soundInputShape: LMS_SHAPE,
  imageConvFilters: [32, 32, 64, 64, 128, 128],
  imageFcUnits: 256,
  autoencoderChannels: [16, 16, 1],
  autoencoderInputShape: LMS_SHAPE,
};

export const TINY_PRESET: ModelPreset = {
  ...PAPER_PRESET,
  name: 'tiny',
  imageSize: 16,
  ngf: 8,
  ndf: 8,
  batchSize: 8,
  // Embedding/condition sizes stay at 128/64: they are the interface between encoders and GANs.
  i2sExtraGeneratorLayers: 2,
  i2sExtraDiscriminatorLayers: 2,
  soundConvFilters: [8, 8, 16, 16],
  soundFcUnits: 32,
  // A coarse 32-band × 16-frame spectrogram keeps CPU training to seconds.
  soundInputShape: [32, 16],
  imageConvFilters: [4, 4, 8, 8, 8, 8],
  imageFcUnits: 32,
  autoencoderChannels: [4, 4, 1],
  autoencoderInputShape: [32, 16],
};

/**
 * The paper's structure at 64×64 (G/D with four up/down-sampling stages, the six-conv Γ, the
 * four-conv sound classifier on LMS 128×44, the four-stack autoencoder on 128×44) with a quarter of
 * the GAN widths (ngf/ndf 16: G 128→64→32→16→3, D 16→32→64→128) and narrower encoders. Batch 32, not
 * GAN-CLS's 64: a step costs the same per image here, and with ~1,000 pairs and a budget of minutes
 * per run, twice the updates per epoch is what lets G learn the conditioning (README "Fidelity").
 */
export const SMALL_PRESET: ModelPreset = {
  ...PAPER_PRESET,
  name: 'small',
  imageSize: 64,
  ngf: 16,
  ndf: 16,
  batchSize: 32,
  i2sExtraGeneratorLayers: 2,
  i2sExtraDiscriminatorLayers: 2,
  soundConvFilters: [16, 32, 32, 64],
  soundFcUnits: 128,
  soundInputShape: LMS_SHAPE,
  imageConvFilters: [16, 16, 32, 32, 64, 64],
  imageFcUnits: 128,
  autoencoderChannels: [8, 8, 1],
  autoencoderInputShape: LMS_SHAPE,
};

export const PRESETS = { paper: PAPER_PRESET, small: SMALL_PRESET, tiny: TINY_PRESET } as const;
export type PresetName = keyof typeof PRESETS;

export function getPreset(name: PresetName): ModelPreset {
  return PRESETS[name];
}
