// Real-looking media for the data benchmarks, generated at run time with ffmpeg (nothing in git).
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { findFfmpeg } from '../core/env/ffmpeg';

function ffmpeg(args: string[]): void {
  const ff = findFfmpeg();
  if (!ff) throw new Error('ffmpeg is needed to generate benchmark media');
  execFileSync(ff.path, ['-hide_banner', '-loglevel', 'error', '-y', ...args]);
}

export interface UrmpFolderOptions {
  pieces: number;
  seconds: number;
  width?: number;
  height?: number;
  /** frame rate as ffmpeg takes it ("30000/1001" = 29.97) */
  fps?: string;
  /** players per piece (default 2) */
  players?: number;
}

/**
 * A URMP-layout folder as URMP has it: per piece `NN_Piece_inst…/` with an H.264 MP4 of all players
 * (moving test pattern, default 1920×1080 at 29.97 fps) and one 48 kHz stereo 16-bit WAV per player
 * (a distinct tone with vibrato). Windows: ≈ 10 per second per player (0.5 s, stride 0.1 s).
 */
export function makeUrmpFolder(dir: string, opts: UrmpFolderOptions): { root: string; videos: string[]; tracks: string[] } {
  const { pieces, seconds, width = 1920, height = 1080, fps = '30000/1001', players = 2 } = opts;
  const codes = ['vn', 'vc', 'fl', 'cl', 'tpt', 'sax', 'va', 'ob'];
  const videos: string[] = [];
  const tracks: string[] = [];
  for (let p = 0; p < pieces; p++) {
    const nn = String(p + 1).padStart(2, '0');
    const insts = Array.from({ length: players }, (_, k) => codes[(p + k) % codes.length]);
    const folder = `${nn}_Piece${p + 1}_${insts.join('_')}`;
    const pieceDir = join(dir, folder);
    mkdirSync(pieceDir, { recursive: true });
    const video = join(pieceDir, `Vid_${folder}.mp4`);
    const pattern = p % 2 ? 'testsrc' : 'testsrc2';
    ffmpeg(['-f', 'lavfi', '-i', `${pattern}=size=${width}x${height}:rate=${fps}`, '-t', String(seconds), '-pix_fmt', 'yuv420p', '-c:v', 'libx264', '-preset', 'ultrafast', video]);
    videos.push(video);
    insts.forEach((inst, k) => {
      const hz = 180 * (k + 1) + 37 * p;
      const track = join(pieceDir, `AuSep_${k + 1}_${inst}_${nn}_Piece${p + 1}.wav`);
      const expr = `0.3*sin(2*PI*${hz}*t+3*sin(2*PI*5*t))|0.25*sin(2*PI*${hz * 1.5}*t)`;
      ffmpeg(['-f', 'lavfi', '-i', `aevalsrc=${expr}:s=48000:c=stereo`, '-t', String(seconds), '-c:a', 'pcm_s16le', track]);
      tracks.push(track);
    });
  }
  return { root: dir, videos, tracks };
}
