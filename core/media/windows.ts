// Sliding windows over a track (§4.1: "The size of the sliding window is 0.5 seconds and the stride
// is 0.1 seconds"). Offsets are exact integers: window k starts at round(k · 0.1 · 44100) = 4410·k
// and spans 22,050 samples; each window is treated as a standalone clip (its STFT is centred and
// reflect-padded on its own, not cut out of a whole-track STFT).
import { AvError } from '../errors';
import { SAMPLE_RATE, STRIDE_SECONDS, WINDOW_SAMPLES } from './constants';

export interface AudioWindow {
  index: number;
  /** First sample (inclusive). */
  start: number;
  /** One past the last sample. */
  end: number;
  startSeconds: number;
}

/** Start sample of window k. */
export function windowStart(k: number, sampleRate = SAMPLE_RATE): number {
  return Math.round(k * STRIDE_SECONDS * sampleRate);
}

/** Number of whole windows in a track of `n` samples (windows never run past the end). */
export function windowCount(n: number, windowSamples = WINDOW_SAMPLES): number {
  if (n < windowSamples) return 0;
  let k = Math.floor((n - windowSamples) / (STRIDE_SECONDS * SAMPLE_RATE)) + 1;
  // guard the float division at the boundary with the exact integer offsets
  while (k > 0 && windowStart(k - 1) + windowSamples > n) k--;
  while (windowStart(k) + windowSamples <= n) k++;
  return k;
}

/** Every window of a track of `n` samples. */
export function listWindows(n: number): AudioWindow[] {
  const count = windowCount(n);
  const out: AudioWindow[] = new Array(count);
  for (let k = 0; k < count; k++) {
    const start = windowStart(k);
    out[k] = { index: k, start, end: start + WINDOW_SAMPLES, startSeconds: start / SAMPLE_RATE };
  }
  return out;
}

/** Window k of `samples` as a view (no copy). Throws `out_of_range` when it runs past the end. */
export function extractWindow(samples: Float32Array, k: number, file?: string): Float32Array {
  if (!Number.isInteger(k) || k < 0) throw new AvError('out_of_range', `window index ${k} is not a non-negative integer`, { file });
  return extractClip(samples, windowStart(k), WINDOW_SAMPLES, file);
}

/** The clip of `length` samples starting at sample `start`; `out_of_range` when it does not fit. */
export function extractClip(samples: Float32Array, start: number, length: number = WINDOW_SAMPLES, file?: string): Float32Array {
  if (!Number.isInteger(start) || start < 0 || start + length > samples.length) {
    const sr = SAMPLE_RATE;
    throw new AvError(
      'out_of_range',
      `window ${(start / sr).toFixed(3)}–${((start + length) / sr).toFixed(3)} s is past the end of the track (${(samples.length / sr).toFixed(3)} s)`,
      { file, details: { start, length, trackSamples: samples.length } },
    );
  }
  return samples.subarray(start, start + length);
}

/** The clip starting at `seconds` (rounded to the nearest sample) lasting `durationSeconds`. */
export function extractSeconds(samples: Float32Array, seconds: number, durationSeconds: number, file?: string): Float32Array {
  if (!(seconds >= 0) || !(durationSeconds > 0)) throw new AvError('out_of_range', `invalid window start ${seconds} s / duration ${durationSeconds} s`, { file });
  return extractClip(samples, Math.round(seconds * SAMPLE_RATE), Math.round(durationSeconds * SAMPLE_RATE), file);
}
