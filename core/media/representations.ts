// The five audio representations compared in Table 1 (§3.3), behind one entry point.
//   stft  |STFT| magnitude            [1025][frames]
//   ms    mel power spectrogram       [128][frames]
//   lms   log-mel (dB) spectrogram    [128][frames]   (the paper's choice; 128×44 for 0.5 s)
//   mfcc  DCT-II ortho of the LMS     [20][frames]
//   cqt   |constant-Q transform|      [84][frames]
import { AvError } from '../errors';
import { getCqt } from './cqt';
import { getMel } from './mel';
import { mfcc } from './mfcc';
import type { FeatureMatrix } from './spectrogram';
import { getStft } from './stft';

export const REPRESENTATIONS = ['lms', 'ms', 'mfcc', 'stft', 'cqt'] as const;
export type Representation = (typeof REPRESENTATIONS)[number];

export function isRepresentation(s: string): s is Representation {
  return (REPRESENTATIONS as readonly string[]).includes(s);
}

/** Computes `rep` of a mono 44.1 kHz clip. */
export function computeRepresentation(rep: Representation, clip: Float32Array, file?: string): FeatureMatrix {
  if (clip.length === 0) throw new AvError('empty_input', 'cannot analyse an empty clip', { file });
  switch (rep) {
    case 'stft':
      return getStft().magnitudeSpectrogram(clip);
    case 'ms':
      return getMel().melPower(clip);
    case 'lms':
      return getMel().logMel(clip);
    case 'mfcc':
      return mfcc(clip);
    case 'cqt':
      return getCqt().magnitude(clip);
  }
}
