// Helpers shared by the core/media tests: a scratch folder, synthetic signals, ffmpeg.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findFfmpeg } from '../env/ffmpeg';
import { SAMPLE_RATE } from './constants';

export function scratchDir(): { dir: string; path: (name: string) => string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'avstudio-media-'));
  return { dir, path: (name) => join(dir, name), cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Sum of sinusoids [freqHz, amplitude] at 44.1 kHz. */
export function tone(seconds: number, partials: Array<[number, number]>, sampleRate = SAMPLE_RATE): Float32Array {
  const n = Math.round(seconds * sampleRate);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let v = 0;
    for (const [f, a] of partials) v += a * Math.sin((2 * Math.PI * f * i) / sampleRate);
    out[i] = v;
  }
  return out;
}

/** Runs ffmpeg (synchronously) to make test media; throws with its stderr on failure. */
export function ffmpegMake(args: string[]): void {
  const info = findFfmpeg();
  if (!info) throw new Error('ffmpeg is required for these tests');
  const r = spawnSync(info.path, ['-hide_banner', '-loglevel', 'error', '-y', ...args], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`ffmpeg ${args.join(' ')} failed: ${r.stderr}`);
}

/** Runs `fn` and returns the error it throws (fails the test if it does not throw). */
export async function caught(fn: () => unknown): Promise<unknown> {
  try {
    await fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected an error, none was thrown');
}
