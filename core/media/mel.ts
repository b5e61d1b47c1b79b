// Mel spectrogram (MS) and log-mel spectrogram (LMS), §3.3: "a mel-filter bank is applied to warp
// the frequency scale into the mel-scale, and the linear amplitude is converted to the logarithmic
// scale". Conventions (librosa.feature.melspectrogram defaults = torchaudio MelSpectrogram with
// norm='slaney', mel_scale='slaney'):
//  - Slaney mel scale (linear below 1 kHz, logarithmic above), fmin 0, fmax sr/2, 128 bands,
//  - triangular filters with Slaney area normalisation (2 / (f[m+2] − f[m])),
//  - power 2 spectrogram from stft.ts (centred, reflect padded, periodic Hann),
//  - LMS = power_to_db(MS) = 10·log10(max(amin, S)) − 10·log10(max(amin, ref)), ref = 1.0,
//    amin = 1e-10, then clipped at (max − top_db), top_db = 80, the max being taken over the
//    whole clip (one spectrogram). This is librosa's power_to_db(S, ref=1.0, amin=1e-10, top_db=80)
//    and torchaudio's AmplitudeToDB(stype='power', top_db=80) applied to one 2-D spectrogram. Note
//    torchaudio takes the max per *packed item*: a batch (B, n_mels, T) shares ONE max over the whole
//    batch, while (B, 1, n_mels, T) gives one max per clip; librosa takes the max of the array given.
// A 0.5 s window (22,050 samples) gives 128 × 44 (§3.1).
import { DB_AMIN, DB_TOP, N_MELS, SAMPLE_RATE } from './constants';
import { featureMatrix, type FeatureMatrix } from './spectrogram';
import { assertSignal, DEFAULT_STFT, getStft, type Stft, type StftConfig } from './stft';

const F_SP = 200 / 3; // Hz per mel in the linear part
const MIN_LOG_HZ = 1000;
const MIN_LOG_MEL = MIN_LOG_HZ / F_SP; // 15
const LOGSTEP = Math.log(6.4) / 27;

export function hzToMelSlaney(hz: number): number {
  return hz >= MIN_LOG_HZ ? MIN_LOG_MEL + Math.log(hz / MIN_LOG_HZ) / LOGSTEP : hz / F_SP;
}

export function melToHzSlaney(mel: number): number {
  return mel >= MIN_LOG_MEL ? MIN_LOG_HZ * Math.exp(LOGSTEP * (mel - MIN_LOG_MEL)) : F_SP * mel;
}

export interface MelConfig extends StftConfig {
  sampleRate: number;
  nMels: number;
  fMin: number;
  /** Defaults to sampleRate / 2. */
  fMax?: number;
}

export const DEFAULT_MEL: MelConfig = { ...DEFAULT_STFT, sampleRate: SAMPLE_RATE, nMels: N_MELS, fMin: 0 };

/** One triangular filter stored sparsely: weights for FFT bins start … start + weights.length − 1. */
export interface MelFilter {
  start: number;
  weights: Float64Array;
}

/** Slaney-normalised triangular mel filterbank over the n_fft/2+1 FFT bins (librosa.filters.mel(htk=False, norm='slaney')). */
export function melFilterbank(config: MelConfig = DEFAULT_MEL): MelFilter[] {
  const { sampleRate, nFft, nMels, fMin } = config;
  const fMax = config.fMax ?? sampleRate / 2;
  const nBins = nFft / 2 + 1;
  const lo = hzToMelSlaney(fMin);
  const hi = hzToMelSlaney(fMax);
  const pts = new Float64Array(nMels + 2);
  for (let i = 0; i < nMels + 2; i++) pts[i] = melToHzSlaney(lo + ((hi - lo) * i) / (nMels + 1));
  const filters: MelFilter[] = [];
  for (let m = 0; m < nMels; m++) {
    const fl = pts[m];
    const fc = pts[m + 1];
    const fh = pts[m + 2];
    const enorm = 2 / (fh - fl);
    const dense = new Float64Array(nBins);
    let first = -1;
    let last = -1;
    for (let k = 0; k < nBins; k++) {
      const f = (k * sampleRate) / nFft; // = linspace(0, sr/2, nBins)
      const lower = (f - fl) / (fc - fl);
      const upper = (fh - f) / (fh - fc);
      const w = Math.max(0, Math.min(lower, upper));
      if (w > 0) {
        dense[k] = w * enorm;
        if (first < 0) first = k;
        last = k;
      }
    }
    filters.push(first < 0 ? { start: 0, weights: new Float64Array(0) } : { start: first, weights: dense.slice(first, last + 1) });
  }
  return filters;
}

/** A mel analyser: an STFT plus a precomputed filterbank; reuse one per configuration (`getMel`). */
export class MelAnalyzer {
  readonly config: MelConfig;
  readonly filters: MelFilter[];
  private readonly stft: Stft;

  constructor(config: MelConfig = DEFAULT_MEL) {
    this.config = config;
    this.filters = melFilterbank(config);
    this.stft = getStft({ nFft: config.nFft, hop: config.hop });
  }

  /** Mel power spectrogram (MS), shape [n_mels][frames]. */
  melPower(signal: Float32Array, out?: Float32Array): FeatureMatrix {
    assertSignal(signal);
    const frames = this.stft.frameCount(signal.length);
    const nMels = this.config.nMels;
    const result = featureMatrix(nMels, frames, out);
    const d = result.data;
    const filters = this.filters;
    for (let t = 0; t < frames; t++) {
      const p = this.stft.framePower(signal, t);
      for (let m = 0; m < nMels; m++) {
        const { start, weights } = filters[m];
        let acc = 0;
        for (let i = 0, len = weights.length; i < len; i++) acc += weights[i] * p[start + i];
        d[m * frames + t] = acc;
      }
    }
    return result;
  }

  /** Log-mel spectrogram (LMS) in dB: power_to_db(MS, ref=1, amin=1e-10, top_db=80). */
  logMel(signal: Float32Array, out?: Float32Array): FeatureMatrix {
    const m = this.melPower(signal, out);
    powerToDbInPlace(m.data);
    return m;
  }
}

/**
 * In-place power → dB: 10·log10(max(amin, x)) − 10·log10(max(amin, ref)), then
 * max(x_db, max(x_db) − topDb) over the whole array (pass topDb = null to skip clipping).
 */
export function powerToDbInPlace(data: Float32Array, opts: { ref?: number; amin?: number; topDb?: number | null } = {}): Float32Array {
  const amin = opts.amin ?? DB_AMIN;
  const ref = opts.ref ?? 1.0;
  const topDb = opts.topDb === undefined ? DB_TOP : opts.topDb;
  const offset = 10 * Math.log10(Math.max(amin, ref));
  let max = -Infinity;
  for (let i = 0; i < data.length; i++) {
    const v = 10 * Math.log10(Math.max(amin, data[i])) - offset;
    data[i] = v;
    if (v > max) max = v;
  }
  if (topDb !== null) {
    const floor = max - topDb;
    for (let i = 0; i < data.length; i++) if (data[i] < floor) data[i] = floor;
  }
  return data;
}

const cache = new Map<string, MelAnalyzer>();

/** A shared `MelAnalyzer` for this configuration (filterbank built once). */
export function getMel(config: MelConfig = DEFAULT_MEL): MelAnalyzer {
  const key = `${config.sampleRate}/${config.nFft}/${config.hop}/${config.nMels}/${config.fMin}/${config.fMax ?? ''}`;
  let a = cache.get(key);
  if (!a) cache.set(key, (a = new MelAnalyzer(config)));
  return a;
}
