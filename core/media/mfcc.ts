// MFCC (§3.3, Table 1): DCT-II with orthonormal scaling (scipy.fft.dct(type=2, norm='ortho')) along
// the mel axis of the LMS from mel.ts (power_to_db with ref 1.0, amin 1e-10, top_db 80), keeping the
// first n_mfcc = 20 coefficients (librosa.feature.mfcc and torchaudio.transforms.MFCC defaults; the
// paper does not state n_mfcc). Output shape [n_mfcc][frames].
import { N_MFCC } from './constants';
import { DEFAULT_MEL, getMel, type MelConfig } from './mel';
import { featureMatrix, type FeatureMatrix } from './spectrogram';

/** DCT-II orthonormal basis, row-major [nOut][nIn]: c_k · cos(π k (2m+1) / (2 nIn)). */
export function dctIIOrtho(nOut: number, nIn: number): Float64Array {
  const basis = new Float64Array(nOut * nIn);
  for (let k = 0; k < nOut; k++) {
    const scale = k === 0 ? Math.sqrt(1 / nIn) : Math.sqrt(2 / nIn);
    for (let m = 0; m < nIn; m++) basis[k * nIn + m] = scale * Math.cos((Math.PI * k * (2 * m + 1)) / (2 * nIn));
  }
  return basis;
}

const bases = new Map<string, Float64Array>();

/** Applies the orthonormal DCT-II to each column of `lms` ([nIn][frames]) → [nOut][frames]. */
export function dctColumns(lms: FeatureMatrix, nOut: number): FeatureMatrix {
  const [nIn, frames] = lms.shape;
  const key = `${nOut}/${nIn}`;
  let basis = bases.get(key);
  if (!basis) bases.set(key, (basis = dctIIOrtho(nOut, nIn)));
  const out = featureMatrix(nOut, frames);
  const acc = new Float64Array(frames);
  for (let k = 0; k < nOut; k++) {
    acc.fill(0);
    for (let m = 0; m < nIn; m++) {
      const c = basis[k * nIn + m];
      const row = m * frames;
      for (let t = 0; t < frames; t++) acc[t] += c * lms.data[row + t];
    }
    out.data.set(acc, k * frames);
  }
  return out;
}

/** MFCC of a clip, shape [nMfcc][frames]. */
export function mfcc(signal: Float32Array, nMfcc: number = N_MFCC, config: MelConfig = DEFAULT_MEL): FeatureMatrix {
  return dctColumns(getMel(config).logMel(signal), nMfcc);
}
