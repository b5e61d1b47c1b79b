// Any audio or video file → mono Float32 PCM at 44.1 kHz (§3.3: "The sound files are sampled at
// 44,100 Hz"). PCM / float WAV at any rate, bit depth (8/16/24/32-bit integer, 32/64-bit float) and
// channel count is decoded in process (wav.ts: channels averaged to mono) and, when not already at
// 44.1 kHz, resampled in process (resample.ts: polyphase FIR / libsamplerate). Only what the WAV parser does not
// handle — compressed formats, the audio track of a video — goes through one
// `ffmpeg -f f32le -ac 1 -ar 44100 pipe:1` process per file.
import { readFile } from 'node:fs/promises';
import { AvError, toAvError } from '../errors';
import { SAMPLE_RATE } from './constants';
import { assertExists, ffmpegError, runFfmpeg } from './ffmpegRun';
import { MAX_RESAMPLE_RATE, resampleMono } from './resample';
import { parseWav } from './wav';

export interface DecodedAudio {
  /** Mono samples at `sampleRate`. */
  samples: Float32Array;
  sampleRate: number;
  /**
   * Which path decoded it: 'wav' (a 44.1 kHz WAV read in process), 'wav-resampled' (a WAV at another
   * rate, read and resampled in process) or 'ffmpeg'.
   */
  decoder: 'wav' | 'wav-resampled' | 'ffmpeg';
  durationSeconds: number;
}

export interface DecodeOptions {
  /** Skip the in-process WAV path (used by tests to compare both paths). */
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
    const decoded = await decodeWavBytes(bytes, file);
    if (decoded) return decoded;
  }
  return decodeWithFfmpeg(file);
}

/**
 * The in-process path on bytes already read: a PCM / float WAV → mono 44.1 kHz. Returns null when
 * the bytes are not a WAV the parser handles (the caller hands the file to ffmpeg). Throws the same
 * typed errors as decodeAudio.
 */
export async function decodeWavBytes(bytes: Uint8Array, file: string): Promise<DecodedAudio | null> {
  if (bytes.length === 0) throw new AvError('empty_input', 'the file is empty (0 bytes)', { file });
  const wav = parseWav(bytes, file);
  if (!wav) return null;
  if (wav.sampleRate === SAMPLE_RATE) return finish(wav.samples, 'wav', file);
  if (wav.sampleRate > MAX_RESAMPLE_RATE) return null; // beyond the resampler's range: ffmpeg
  if (wav.samples.length === 0) throw new AvError('empty_input', 'the audio has no samples', { file });
  return finish(await resampleMono(wav.samples, wav.sampleRate, SAMPLE_RATE, { file }), 'wav-resampled', file);
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
