// Synthetic labelled spectrograms for tests and smoke runs: 0.144 s tones at 8 kHz of four timbres
// with a random pitch, loudness, onset jitter and background noise, turned into a log-magnitude
// spectrogram by a plain STFT (128-sample Hann window, hop 64, bins pooled in pairs → 32 bins ×
// 16 frames). Classes differ only in timbre (harmonic content / amplitude envelope), not in a fixed
// bin, because the pitch is drawn per item.
import { createRng, type Rng } from '../rng';

export const TONE_SAMPLE_RATE = 8000;
export const TONE_WINDOW = 128;
export const TONE_HOP = 64;
export const TONE_FRAMES = 16;
export const TONE_BINS = 32;
export const TONE_CLASSES = ['sine', 'square', 'sawtooth', 'tremolo'] as const;

function waveform(kind: number, f0: number, rng: Rng): Float32Array {
  const n = TONE_WINDOW + TONE_HOP * (TONE_FRAMES - 1);
  const out = new Float32Array(n);
  const amp = 0.2 + 0.8 * rng.next();
  const phase0 = rng.next() * 2 * Math.PI;
  const tremoloHz = 25 + 15 * rng.next();
  const noise = 0.02 + 0.08 * rng.next();
  const nyquist = TONE_SAMPLE_RATE / 2;
  for (let t = 0; t < n; t++) {
    const time = t / TONE_SAMPLE_RATE;
    let v = 0;
    for (let k = 1; k * f0 < nyquist; k++) {
      const h = Math.sin(2 * Math.PI * k * f0 * time + k * phase0);
      if (kind === 1 && k % 2 === 1) v += h / k; // square: odd harmonics 1/k
      else if (kind === 2) v += h / k; // sawtooth: all harmonics 1/k
      else if ((kind === 0 || kind === 3) && k === 1) v += h; // sine / tremolo: fundamental only
    }
    if (kind === 3) v *= 0.5 + 0.5 * Math.sin(2 * Math.PI * tremoloHz * time);
    out[t] = amp * v + noise * rng.normal();
  }
  return out;
}

/** Log-magnitude spectrogram, (bins × frames) row-major, roughly zero-mean unit-scale. */
export function toneSpectrogram(signal: Float32Array): Float32Array {
  const out = new Float32Array(TONE_BINS * TONE_FRAMES);
  const hann = Array.from({ length: TONE_WINDOW }, (_, i) => 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / TONE_WINDOW));
  for (let f = 0; f < TONE_FRAMES; f++) {
    const start = f * TONE_HOP;
    for (let b = 0; b < TONE_BINS * 2; b++) {
      let re = 0;
      let im = 0;
      for (let i = 0; i < TONE_WINDOW; i++) {
        const x = signal[start + i] * hann[i];
        const angle = (-2 * Math.PI * b * i) / TONE_WINDOW;
        re += x * Math.cos(angle);
        im += x * Math.sin(angle);
      }
      out[(b >> 1) * TONE_FRAMES + f] += Math.hypot(re, im);
    }
  }
  for (let i = 0; i < out.length; i++) out[i] = (Math.log(1e-2 + out[i]) + 1) / 3;
  return out;
}

export interface ToneSet {
  /** N × 32 × 16 values, row-major, ready for a (N, 32, 16, 1) tensor. */
  data: Float32Array;
  labels: number[];
  shape: [number, number, number, number];
}

/** `perClass` items of each timbre, in shuffled order. */
export function makeToneSet(perClass: number, seed: number): ToneSet {
  const rng = createRng(seed);
  const labels = rng.shuffle(TONE_CLASSES.flatMap((_, c) => Array.from({ length: perClass }, () => c)));
  const size = TONE_BINS * TONE_FRAMES;
  const data = new Float32Array(labels.length * size);
  labels.forEach((label, i) => {
    const f0 = 150 + 450 * rng.next();
    data.set(toneSpectrogram(waveform(label, f0, rng)), i * size);
  });
  return { data, labels, shape: [labels.length, TONE_BINS, TONE_FRAMES, 1] };
}
