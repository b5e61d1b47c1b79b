// Runs ffmpeg with a binary stdout (decoded PCM, a PNG frame) and turns its failures into typed
// AvErrors that name the input file. ffmpeg's path comes from core/env/ffmpeg.ts.
import { spawn } from 'node:child_process';
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { access } from 'node:fs/promises';
import { AvError } from '../errors';
import { findFfmpeg } from '../env/ffmpeg';

export interface FfmpegResult {
  stdout: Buffer;
  stderr: string;
  code: number | null;
}

/** Throws `not_found` when the file does not exist (checked before ffmpeg gets a confusing path). */
export async function assertExists(file: string): Promise<void> {
  try {
    await access(file);
  } catch (err) {
    throw new AvError('not_found', 'no such file', { file, cause: err });
  }
}

export function ffmpegPath(): string {
  const info = findFfmpeg();
  if (!info) throw new AvError('unsupported', 'ffmpeg was not found (install it or set AVSTUDIO_FFMPEG)');
  return info.path;
}

/** Runs ffmpeg with `args` and collects stdout as bytes. Never rejects on a non-zero exit code. */
export function runFfmpeg(args: string[]): Promise<FfmpegResult> {
  const bin = ffmpegPath();
  return new Promise((resolve, reject) => {
    const child = spawn(bin, ['-hide_banner', '-nostdin', '-loglevel', 'error', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', (e) => reject(new AvError('internal', `could not run ffmpeg: ${e.message}`, { cause: e })));
    child.on('close', (code) => resolve({ stdout: Buffer.concat(out), stderr: Buffer.concat(err).toString('utf8'), code }));
  });
}

/** Maps an ffmpeg error message to the studio's error kinds. */
export function ffmpegError(stderr: string, file: string, what: string): AvError {
  const text = stderr.trim().split('\n').slice(-4).join(' | ') || 'ffmpeg failed without a message';
  const details = { ffmpeg: stderr.trim().slice(-2000) };
  if (/No such file or directory/i.test(stderr)) return new AvError('not_found', 'no such file', { file, details });
  // an MP4/MOV whose index (moov) is missing: truncated if it starts like one, otherwise not an MP4 at all
  if (/moov atom not found/i.test(stderr) && !startsLikeIsoMedia(file)) {
    return new AvError('corrupt_file', `${what}: not a valid MP4/MOV file (${text})`, { file, details });
  }
  if (/moov atom not found|end of file|truncat|partial file|premature/i.test(stderr) || isoMediaTruncated(file)) {
    return new AvError('truncated_file', `${what}: the file ends early (${text})`, { file, details });
  }
  if (/decoder .*not found|unknown codec|unsupported codec|not supported|codec not currently supported|could not find codec parameters|does not contain any stream|matches no streams/i.test(stderr)) {
    return new AvError('unsupported', `${what}: unsupported codec or stream layout (${text})`, { file, details });
  }
  return new AvError('corrupt_file', `${what}: the file cannot be decoded (${text})`, { file, details });
}

/** True when the file begins with an ISO-BMFF box ('ftyp', 'moov', 'mdat', …) as MP4/MOV files do. */
function startsLikeIsoMedia(file: string): boolean {
  try {
    const fd = openSync(file, 'r');
    try {
      const head = Buffer.alloc(8);
      const n = readSync(fd, head, 0, 8, 0);
      return n === 8 && ['ftyp', 'moov', 'mdat', 'free', 'wide', 'skip'].includes(head.toString('latin1', 4, 8));
    } finally {
      closeSync(fd);
    }
  } catch {
    return false;
  }
}

/** True when an MP4/MOV's top-level boxes run past the end of the file (a cut-off download or copy). */
function isoMediaTruncated(file: string): boolean {
  if (!startsLikeIsoMedia(file)) return false;
  try {
    const fd = openSync(file, 'r');
    try {
      const size = fstatSync(fd).size;
      const head = Buffer.alloc(16);
      let pos = 0;
      while (pos < size) {
        if (readSync(fd, head, 0, 16, pos) < 8) return true;
        let box = head.readUInt32BE(0);
        if (box === 1) box = Number(head.readBigUInt64BE(8));
        else if (box === 0) return false; // "to the end of the file"
        if (box < 8) return false; // not a box structure we understand
        pos += box;
      }
      return pos > size;
    } finally {
      closeSync(fd);
    }
  } catch {
    return false;
  }
}
