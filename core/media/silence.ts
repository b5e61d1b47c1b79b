// Signal-level checks: RMS and the "is there any signal here?" test that features needing signal use.
// The threshold is a parameter so dataset import can expose it as a user setting.
import { AvError } from '../errors';

/** Default RMS below which audio counts as silent (≈ −80 dBFS; 16-bit dither sits near −101 dBFS). */
export const DEFAULT_SILENCE_RMS = 1e-4;

/** Root mean square of `samples` (0 for an empty array). */
export function rms(samples: Float32Array): number {
  if (samples.length === 0) return 0;
  let acc = 0;
  for (let i = 0; i < samples.length; i++) acc += samples[i] * samples[i];
  return Math.sqrt(acc / samples.length);
}

/** RMS in dBFS (−Infinity for digital silence). */
export function rmsDb(samples: Float32Array): number {
  return 20 * Math.log10(rms(samples));
}

export interface SilenceOptions {
  /** RMS threshold (linear, full scale = 1). Defaults to DEFAULT_SILENCE_RMS. */
  threshold?: number;
  /** File the samples came from, reported in the error. */
  file?: string;
}

/** Throws `empty_input` for zero samples and `silent_audio` when RMS < threshold; returns the RMS. */
export function assertNotSilent(samples: Float32Array, opts: SilenceOptions = {}): number {
  const threshold = opts.threshold ?? DEFAULT_SILENCE_RMS;
  if (samples.length === 0) throw new AvError('empty_input', 'the audio has no samples', { file: opts.file });
  const level = rms(samples);
  if (!(level >= threshold)) {
    throw new AvError('silent_audio', `the audio is silent (RMS ${level.toExponential(2)} < threshold ${threshold})`, {
      file: opts.file,
      details: { rms: level, threshold },
    });
  }
  return level;
}
