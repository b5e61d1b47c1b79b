// Short-time Fourier transform with librosa / torchaudio conventions (§3.3: "a Short-Time Fourier
// Transform (STFT) with a 2048-point FFT window with a 512-point hop size"):
//  - centred frames: the signal is reflect-padded by n_fft/2 on both sides (torch.stft
//    center=True, pad_mode='reflect'; librosa ≥ 0.10 defaults to zero padding, we follow reflect),
//  - periodic Hann window of length n_fft (torch.hann_window / scipy.signal.get_window('hann')),
//  - frame t covers padded[t·hop, t·hop + n_fft); n_frames = 1 + floor(n / hop),
//  - bins 0 … n_fft/2 (n_fft/2 + 1 rows), unnormalised DFT (no 1/n scaling).
// FFTs use fft.js (radix-4). One `Stft` holds the window, the FFT plan and scratch buffers, so
// create it once per configuration (see `getStft`) and reuse it.
import FFT from 'fft.js';
import { HOP_LENGTH, N_FFT } from './constants';
import { featureMatrix, type FeatureMatrix } from './spectrogram';

export interface StftConfig {
  nFft: number;
  hop: number;
}

export const DEFAULT_STFT: StftConfig = { nFft: N_FFT, hop: HOP_LENGTH };

/** Periodic Hann window: w[n] = 0.5 − 0.5·cos(2πn/N), n = 0 … N−1. */
export function periodicHann(n: number): Float64Array {
  const w = new Float64Array(n);
  for (let i = 0; i < n; i++) w[i] = 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / n);
  return w;
}

/** numpy 'reflect' index (edge sample not repeated), valid for any offset, including repeated folds. */
export function reflectIndex(j: number, n: number): number {
  if (n === 1) return 0;
  const period = 2 * (n - 1);
  let m = j % period;
  if (m < 0) m += period;
  return m < n ? m : period - m;
}

export class Stft {
  readonly nFft: number;
  readonly hop: number;
  readonly nBins: number;
  readonly window: Float64Array;
  private readonly fft: FFT;
  private readonly frame: Float64Array;
  private readonly spectrum: Float64Array;
  /** Power of the last frame computed by `framePower` (length nBins). Reused: copy it if you keep it. */
  readonly power: Float64Array;

  constructor(config: StftConfig = DEFAULT_STFT) {
    const { nFft, hop } = config;
    if (!Number.isInteger(Math.log2(nFft)) || nFft < 4) throw new Error(`n_fft must be a power of two ≥ 4 (got ${nFft})`);
    if (!Number.isInteger(hop) || hop < 1) throw new Error(`hop must be a positive integer (got ${hop})`);
    this.nFft = nFft;
    this.hop = hop;
    this.nBins = nFft / 2 + 1;
    this.window = periodicHann(nFft);
    this.fft = new FFT(nFft);
    this.frame = new Float64Array(nFft);
    this.spectrum = new Float64Array(2 * nFft);
    this.power = new Float64Array(this.nBins);
  }

  /** Number of centred frames for a signal of n samples. */
  frameCount(n: number): number {
    return 1 + Math.floor(n / this.hop);
  }

  /** Computes |X_t[k]|² for frame t of `signal` into `this.power` and returns it. */
  framePower(signal: Float32Array, t: number): Float64Array {
    this.transformFrame(signal, t);
    const s = this.spectrum;
    const p = this.power;
    for (let k = 0, nb = this.nBins; k < nb; k++) {
      const re = s[2 * k];
      const im = s[2 * k + 1];
      p[k] = re * re + im * im;
    }
    return p;
  }

  /** Windowed FFT of frame t (interleaved re/im in the private spectrum buffer). */
  private transformFrame(signal: Float32Array, t: number): void {
    const n = signal.length;
    const nFft = this.nFft;
    const w = this.window;
    const f = this.frame;
    const offset = t * this.hop - nFft / 2;
    if (offset >= 0 && offset + nFft <= n) {
      for (let i = 0; i < nFft; i++) f[i] = signal[offset + i] * w[i];
    } else {
      for (let i = 0; i < nFft; i++) f[i] = signal[reflectIndex(offset + i, n)] * w[i];
    }
    this.fft.realTransform(this.spectrum, f);
  }

  /** Power spectrogram |X|², shape [n_fft/2+1][frames]. */
  powerSpectrogram(signal: Float32Array): FeatureMatrix {
    return this.spectrogram(signal, 2);
  }

  /** Magnitude spectrogram |X| (torchaudio Spectrogram(power=1)), shape [n_fft/2+1][frames]. */
  magnitudeSpectrogram(signal: Float32Array): FeatureMatrix {
    return this.spectrogram(signal, 1);
  }

  private spectrogram(signal: Float32Array, power: 1 | 2): FeatureMatrix {
    assertSignal(signal);
    const frames = this.frameCount(signal.length);
    const out = featureMatrix(this.nBins, frames);
    const d = out.data;
    for (let t = 0; t < frames; t++) {
      const p = this.framePower(signal, t);
      for (let k = 0; k < this.nBins; k++) d[k * frames + t] = power === 2 ? p[k] : Math.sqrt(p[k]);
    }
    return out;
  }
}

export function assertSignal(signal: Float32Array): void {
  if (signal.length === 0) throw new Error('cannot compute a spectrogram of an empty signal');
}

const cache = new Map<string, Stft>();

/** A shared `Stft` for this configuration (created once). */
export function getStft(config: StftConfig = DEFAULT_STFT): Stft {
  const key = `${config.nFft}/${config.hop}`;
  let s = cache.get(key);
  if (!s) cache.set(key, (s = new Stft(config)));
  return s;
}
