// Constant-Q transform (CQT, §3.3 / Table 1). The paper does not define its CQT; we use the direct
// constant-Q transform of Brown (1991) with Hann-windowed complex kernels, evaluated in the time
// domain (no FFT approximation, no sparsification):
//
//   f_k  = fmin · 2^(k / B),          k = 0 … nBins−1   (fmin = C1 = 32.703 Hz, B = 12, nBins = 84 → C1…B7)
//   Q    = 1 / (2^(1/B) − 1)                               (≈ 16.82 for B = 12)
//   N_k  = ceil(Q · sr / f_k)                              (kernel length in samples)
//   w_k[n] = 0.5 − 0.5·cos(2πn / N_k),  n = 0 … N_k−1      (periodic Hann)
//   X[k, m] = (1/N_k) · Σ_n x[m·hop + n − floor(N_k/2)] · w_k[n] · e^(−2πi f_k n / sr)
//   CQT[k, m] = |X[k, m]|                                  (linear magnitude)
//
// Samples outside the clip count as zero (no padding is invented), frames are centred like the STFT:
// frame m is centred on sample m·hop, n_frames = 1 + floor(n / hop) (44 for a 0.5 s clip, hop 512).
// A full-scale sinusoid of amplitude A at f_k gives |X| ≈ A/4 (A/2 from the complex exponential
// times the Hann mean 1/2) when the kernel lies inside the clip. The kernels of the lowest bins
// (N_0 ≈ 22,680 samples at 44.1 kHz) are longer than a 0.5 s clip, so those rows see the zero
// region and are attenuated. Output shape [nBins][frames] = 84 × 44.
import { HOP_LENGTH, SAMPLE_RATE } from './constants';
import { featureMatrix, type FeatureMatrix } from './spectrogram';
import { assertSignal } from './stft';

/** C1 in Hz (librosa.note_to_hz('C1')), librosa.cqt's default fmin. */
export const CQT_FMIN = 32.70319566257483;
export const CQT_BINS = 84;
export const CQT_BINS_PER_OCTAVE = 12;

export interface CqtConfig {
  sampleRate: number;
  hop: number;
  fMin: number;
  nBins: number;
  binsPerOctave: number;
}

export const DEFAULT_CQT: CqtConfig = { sampleRate: SAMPLE_RATE, hop: HOP_LENGTH, fMin: CQT_FMIN, nBins: CQT_BINS, binsPerOctave: CQT_BINS_PER_OCTAVE };

export interface CqtKernel {
  freq: number;
  length: number;
  /** w[n]·cos(2π f n / sr) / N */
  re: Float64Array;
  /** −w[n]·sin(2π f n / sr) / N */
  im: Float64Array;
}

export function cqtFrequencies(config: CqtConfig = DEFAULT_CQT): number[] {
  return Array.from({ length: config.nBins }, (_, k) => config.fMin * Math.pow(2, k / config.binsPerOctave));
}

export function cqtQ(binsPerOctave: number): number {
  return 1 / (Math.pow(2, 1 / binsPerOctave) - 1);
}

export function cqtKernels(config: CqtConfig = DEFAULT_CQT): CqtKernel[] {
  const q = cqtQ(config.binsPerOctave);
  const nyquist = config.sampleRate / 2;
  return cqtFrequencies(config).map((freq) => {
    if (freq >= nyquist) throw new Error(`CQT bin at ${freq.toFixed(1)} Hz is above Nyquist (${nyquist} Hz)`);
    const length = Math.ceil((q * config.sampleRate) / freq);
    const re = new Float64Array(length);
    const im = new Float64Array(length);
    for (let n = 0; n < length; n++) {
      const w = (0.5 - 0.5 * Math.cos((2 * Math.PI * n) / length)) / length;
      const phase = (2 * Math.PI * freq * n) / config.sampleRate;
      re[n] = w * Math.cos(phase);
      im[n] = -w * Math.sin(phase);
    }
    return { freq, length, re, im };
  });
}

export class CqtAnalyzer {
  readonly config: CqtConfig;
  readonly kernels: CqtKernel[];

  constructor(config: CqtConfig = DEFAULT_CQT) {
    this.config = config;
    this.kernels = cqtKernels(config);
  }

  frameCount(n: number): number {
    return 1 + Math.floor(n / this.config.hop);
  }

  /** |CQT|, shape [nBins][frames]. */
  magnitude(signal: Float32Array): FeatureMatrix {
    assertSignal(signal);
    const n = signal.length;
    const frames = this.frameCount(n);
    const out = featureMatrix(this.kernels.length, frames);
    for (let k = 0; k < this.kernels.length; k++) {
      const { length, re, im } = this.kernels[k];
      const half = Math.floor(length / 2);
      for (let m = 0; m < frames; m++) {
        const offset = m * this.config.hop - half;
        const lo = Math.max(0, -offset);
        const hi = Math.min(length, n - offset);
        let sr = 0;
        let si = 0;
        for (let i = lo; i < hi; i++) {
          const x = signal[offset + i];
          sr += x * re[i];
          si += x * im[i];
        }
        out.data[k * frames + m] = Math.sqrt(sr * sr + si * si);
      }
    }
    return out;
  }
}

const cache = new Map<string, CqtAnalyzer>();

export function getCqt(config: CqtConfig = DEFAULT_CQT): CqtAnalyzer {
  const key = JSON.stringify(config);
  let a = cache.get(key);
  if (!a) cache.set(key, (a = new CqtAnalyzer(config)));
  return a;
}
