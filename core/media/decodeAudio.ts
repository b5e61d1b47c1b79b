// Any audio or video file → mono Float32 PCM at 44.1 kHz (§3.3: "The sound files are sampled at
// 44,100 Hz"). Plain PCM WAV already at 44.1 kHz is decoded in JS (wav.ts); everything else,
// including WAVs at other rates, goes through `ffmpeg -f f32le -ac 1 -ar 44100 pipe:1`.
import { readFile } from 'node:fs/promises';
import { AvError, toAvError } from '../errors';
import { SAMPLE_RATE } from './constants';
import { assertExists, ffmpegError, runFfmpeg } from './ffmpegRun';
import { parseWav } from './wav';

export interface DecodedAudio {
  /** Mono samples at `sampleRate`. */
  samples: Float32Array;
  sampleRate: number;
  /** Which path decoded it. */
  decoder: 'wav' | 'ffmpeg';
  durationSeconds: number;
}

export interface DecodeOptions {
  /** Skip the JS WAV path (used by tests to compare both paths). */
  forceFfmpeg?: boolean;
}

/**
 * Decodes `file` to mono float32 at 44.1 kHz. Errors (all naming `file`): not_found, corrupt_file,
 * truncated_file, unsupported, empty_input (zero samples).
 */
export async function decodeAudio(file: string, opts: DecodeOptions = {}): Promise<DecodedAudio> {
  await assertExists(file);
  if (!opts.forceFfmpeg) {
    let bytes: Buffer;
    try {
      bytes = await readFile(file);
    } catch (err) {
      const e = toAvError(err);
      throw new AvError(e.kind, e.message, { file, cause: err });
    }
    if (bytes.length === 0) throw new AvError('empty_input', 'the file is empty (0 bytes)', { file });
    const wav = parseWav(bytes, file);
    if (wav && wav.sampleRate === SAMPLE_RATE) return finish(wav.samples, 'wav', file);
  }
  return decodeWithFfmpeg(file);
}

async function decodeWithFfmpeg(file: string): Promise<DecodedAudio> {
  const r = await runFfmpeg(['-i', file, '-vn', '-map', '0:a:0', '-f', 'f32le', '-ac', '1', '-ar', String(SAMPLE_RATE), 'pipe:1']);
  if (r.code !== 0) throw ffmpegError(r.stderr, file, 'audio decoding failed');
  // ffmpeg exits 0 on some damaged inputs after logging errors; a truncated stream shows up here
  if (r.stderr.trim() && /invalid data|error while decoding|truncat|end of file/i.test(r.stderr) && r.stdout.length === 0) {
    throw ffmpegError(r.stderr, file, 'audio decoding failed');
  }
  const n = Math.floor(r.stdout.length / 4);
  // slice() copies into a fresh, aligned ArrayBuffer (f32le = host order on every platform Node runs on)
  const samples = new Float32Array(r.stdout.buffer.slice(r.stdout.byteOffset, r.stdout.byteOffset + n * 4));
  return finish(samples, 'ffmpeg', file);
}

function finish(samples: Float32Array, decoder: DecodedAudio['decoder'], file: string): DecodedAudio {
  if (samples.length === 0) throw new AvError('empty_input', 'the audio has no samples', { file });
  return { samples, sampleRate: SAMPLE_RATE, decoder, durationSeconds: samples.length / SAMPLE_RATE };
}
