// `avstudio features`: one audio representation (Table 1: lms, ms, mfcc, stft, cqt) of a clip of any
// audio/video file, written as a float32 .npy [bins][frames].
// `avstudio frame`: the RGB video frame at a time, written as PNG.
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { Command } from 'commander';
import { AvError } from '../../core/errors';
import { WINDOW_SECONDS } from '../../core/media/constants';
import { decodeAudio } from '../../core/media/decodeAudio';
import { encodeNpy } from '../../core/media/npy';
import { computeRepresentation, isRepresentation, REPRESENTATIONS } from '../../core/media/representations';
import { assertNotSilent, DEFAULT_SILENCE_RMS, rms } from '../../core/media/silence';
import { extractVideoFrame } from '../../core/media/videoFrame';
import { extractSeconds } from '../../core/media/windows';
import { action, emit } from '../output';

function seconds(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const v = Number(value);
  if (!Number.isFinite(v) || v < 0) throw new AvError('bad_request', `--${name} must be a non-negative number of seconds (got "${value}")`);
  return v;
}

async function writeOut(out: string, bytes: Buffer): Promise<string> {
  const path = resolve(out);
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, bytes);
  return path;
}

interface FeaturesOptions {
  rep: string;
  start?: string;
  dur?: string;
  out: string;
  silenceThreshold?: string;
  allowSilent?: boolean;
  json?: boolean;
}

export function registerFeatures(program: Command): void {
  program
    .command('features')
    .description('compute an audio representation (lms, ms, mfcc, stft, cqt) of a clip and write it as .npy')
    .argument('<media>', 'audio or video file')
    .requiredOption('--rep <rep>', `representation: ${REPRESENTATIONS.join(' | ')}`, 'lms')
    .option('--start <seconds>', 'clip start in seconds', '0')
    .option('--dur <seconds>', `clip duration in seconds (paper §4.1: ${WINDOW_SECONDS})`, String(WINDOW_SECONDS))
    .requiredOption('--out <file.npy>', 'output .npy file (float32, shape [bins, frames])')
    .option('--silence-threshold <rms>', `RMS below which the clip counts as silent (default ${DEFAULT_SILENCE_RMS})`)
    .option('--allow-silent', 'compute features of a silent clip instead of failing')
    .option('--json', 'print the result as JSON')
    .action(
      action(async (media: string, opts: FeaturesOptions) => {
        if (!isRepresentation(opts.rep)) throw new AvError('bad_request', `unknown representation "${opts.rep}" (choose ${REPRESENTATIONS.join(', ')})`);
        const start = seconds('start', opts.start, 0);
        const dur = seconds('dur', opts.dur, WINDOW_SECONDS);
        const file = resolve(media);
        const audio = await decodeAudio(file);
        const clip = extractSeconds(audio.samples, start, dur, file);
        const threshold = opts.silenceThreshold === undefined ? DEFAULT_SILENCE_RMS : Number(opts.silenceThreshold);
        if (!(threshold >= 0)) throw new AvError('bad_request', `--silence-threshold must be a non-negative number (got "${opts.silenceThreshold}")`);
        if (!opts.allowSilent) assertNotSilent(clip, { threshold, file });
        const m = computeRepresentation(opts.rep, clip, file);
        let min = Infinity;
        let max = -Infinity;
        for (const v of m.data) {
          if (v < min) min = v;
          if (v > max) max = v;
        }
        const out = await writeOut(opts.out, encodeNpy(m.data, m.shape));
        const result = {
          file,
          rep: opts.rep,
          startSeconds: start,
          durationSeconds: dur,
          samples: clip.length,
          sampleRate: audio.sampleRate,
          decoder: audio.decoder,
          rms: rms(clip),
          shape: m.shape,
          min,
          max,
          out,
        };
        emit(result, opts, (r) => `${r.rep} ${r.shape[0]}×${r.shape[1]} of ${r.file} [${r.startSeconds}s, +${r.durationSeconds}s] (range ${r.min.toFixed(3)} … ${r.max.toFixed(3)}) → ${r.out}`);
      }),
    );
}

export function registerFrame(program: Command): void {
  program
    .command('frame')
    .description('write the RGB video frame at a given time as PNG')
    .argument('<video>', 'video file')
    .requiredOption('--at <seconds>', 'time of the frame in seconds')
    .requiredOption('--out <file.png>', 'output PNG file')
    .option('--json', 'print the result as JSON')
    .action(
      action(async (video: string, opts: { at: string; out: string; json?: boolean }) => {
        const at = seconds('at', opts.at, 0);
        const file = resolve(video);
        const frame = await extractVideoFrame(file, at);
        const out = await writeOut(opts.out, frame.png);
        const result = { file, atSeconds: at, width: frame.width, height: frame.height, out };
        emit(result, opts, (r) => `frame at ${r.atSeconds}s of ${r.file} (${r.width}×${r.height}) → ${r.out}`);
      }),
    );
}
