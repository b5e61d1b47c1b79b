// The paper's published numbers (Chen et al. 2017), copied as printed, for the
// reference ("paper") columns of the result tables. Accuracies are fractions (87.44 % → 0.8744).
// Table 2 / Table 3 dataset counts live with the instrument vocabularies (core/datasets/instruments).
import type { Representation } from '../media/representations';

/** Table 1: accuracy of the audio classifier per representation, with 3 and 4 conv layers (§3.3). */
export const PAPER_TABLE1: Readonly<Record<3 | 4, Readonly<Record<Representation, number>>>> = {
  3: { ms: 0.6201, lms: 0.8412, cqt: 0.73, mfcc: 0.8006, stft: 0.7405 },
  4: { ms: 0.6609, lms: 0.8744, cqt: 0.7778, mfcc: 0.8105, stft: 0.7573 },
};

/** Table 5: classifier-based (Γ) evaluation accuracy for generated images (§5.2.2). */
export const PAPER_TABLE5: Readonly<Record<'s2i-c' | 's2i-a' | 's2i-n', { train: number; test: number }>> = {
  's2i-c': { train: 0.8737, test: 0.7556 },
  's2i-a': { train: 0.1063, test: 0.1095 },
  's2i-n': { train: 0.1262, test: 0.1232 },
};

/**
 * §5.2.1 / Fig. 8 (human evaluation, 0–3 scale): mean scores given in the text. The histogram bars of
 * Fig. 8 are not legible in our copy, so only these numbers are reproduced.
 */
export const PAPER_FIG8_MEANS = {
  's2i-c': 1.81,
  'ground-truth': 2.59,
} as const;
/** §5.2.1: S2I-C per-instrument means (30 images each): cello 1.9, flute 2.1, double bass 2.02. */
export const PAPER_FIG8_INSTRUMENT_MEANS = { vc: 1.9, fl: 2.1, db: 2.02 } as const;

/**
 * Fig. 9 (§5.2.3) prints no numbers: accuracy rises until epoch 35, falls sharply until epoch 50,
 * recovers a little after; train and test follow the same trend; evaluated every fifth epoch.
 */
export const PAPER_FIG9_PEAK_EPOCH = 35;

/**
 * §5.4: the sound classifier reaches 80 % on the test set of real LMS and 11.17 % on generated LMS
 * (the split of the generated figure is not stated; we show it beside our test split).
 */
export const PAPER_I2S = { realTest: 0.8, generated: 0.1117 } as const;
