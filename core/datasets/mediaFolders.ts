// Real-looking media folders for the data benchmarks (bench/data.ts, bench/import.ts) and the import
// and materialisation tests: a URMP-layout folder and a Sub-URMP release, generated at run time with
// ffmpeg (nothing in git).
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { findFfmpeg } from '../env/ffmpeg';
import { URMP_INSTRUMENTS } from './instruments';
import { encodeWavChannels } from '../media/wav';

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

export interface ReleaseFolderOptions {
  pairs: number;
  /** Share of chunks not at 44.1 kHz mono 16-bit: half at 48 kHz stereo, half at 22.05 kHz mono (default 0.1). */
  otherRateFraction?: number;
  /** Picture size (default 1920×1080, as the release has, §4.1). */
  jpegSize?: { width: number; height: number };
  /** Distinct encoded pictures per instrument; every file still differs in its bytes (default 4). */
  picturesPerInstrument?: number;
  /** Share of the pairs that go to validation/ (default 1/9). */
  validationFraction?: number;
}

export interface ReleaseFolder {
  /** The folder holding Sub-URMP/. */
  root: string;
  pairs: number;
  otherRate: number;
  files: string[];
  bytes: number;
}

function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => ((x = (x * 1664525 + 1013904223) >>> 0) / 2 ** 32);
}

/** A photo-like picture: smooth colour field, a few blobs (the "player"), sensor noise. */
async function releasePicture(width: number, height: number, seed: number): Promise<Buffer> {
  const r = rng(seed);
  const w = Math.ceil(width / 4);
  const h = Math.ceil(height / 4);
  const px = Buffer.alloc(w * h * 3);
  const base = [r() * 200, r() * 200, r() * 200];
  const blobs = Array.from({ length: 5 }, () => ({ x: r() * w, y: r() * h, s: 20 + r() * 80, c: [r() * 255, r() * 255, r() * 255] }));
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const o = (y * w + x) * 3;
      for (let c = 0; c < 3; c++) {
        let v = base[c] * (0.6 + (0.4 * (x + y)) / (w + h));
        for (const b of blobs) v += (b.c[c] - v) * Math.exp(-((x - b.x) ** 2 + (y - b.y) ** 2) / (2 * b.s * b.s));
        px[o + c] = Math.max(0, Math.min(255, v + (r() - 0.5) * 24));
      }
    }
  }
  // upscale the quarter-size field (its noise becomes a soft grain), as a camera frame looks
  const up = await sharp(px, { raw: { width: w, height: h, channels: 3 } }).resize(width, height, { kernel: 'cubic' }).raw().toBuffer();
  return sharp(up, { raw: { width, height, channels: 3 } }).jpeg({ quality: 90 }).toBuffer();
}

/** The same JPEG with a COM segment after SOI naming `tag`: same pixels, distinct bytes and hash. */
function tagJpeg(jpeg: Buffer, tag: string): Buffer {
  const text = Buffer.from(tag, 'latin1');
  const seg = Buffer.alloc(4 + text.length);
  seg.writeUInt16BE(0xfffe, 0);
  seg.writeUInt16BE(2 + text.length, 2);
  text.copy(seg, 4);
  return Buffer.concat([jpeg.subarray(0, 2), seg, jpeg.subarray(2)]);
}

/** A 0.5 s chunk: a harmonic note (pitch from the instrument and index) with vibrato and a little noise. */
function releaseChunk(rate: number, channels: number, seed: number, hz: number): Float32Array[] {
  const n = Math.round(rate * 0.5);
  const r = rng(seed);
  return Array.from({ length: channels }, (_, c) => {
    const out = new Float32Array(n);
    let phase = 0;
    for (let i = 0; i < n; i++) {
      const t = i / rate;
      phase += (2 * Math.PI * hz * (1 + 0.004 * Math.sin(2 * Math.PI * 5.5 * t))) / rate;
      out[i] = 0.3 * Math.sin(phase + c) + 0.12 * Math.sin(2 * phase) + 0.06 * Math.sin(3 * phase) + 0.01 * (r() - 0.5);
    }
    return out;
  });
}

/**
 * A Sub-URMP release folder (`root/Sub-URMP/{img,chunk}/{train,validation}/<instrument>/<name>.{jpg,wav}`)
 * of `pairs` pairs over the 13 instruments: 1920×1080 JPEGs (a few encoded per instrument, each file
 * made distinct by a JPEG comment) and 0.5 s chunks synthesised per file — 44.1 kHz mono 16-bit,
 * except `otherRateFraction` of them at 48 kHz stereo or 22.05 kHz mono (what recorders and other
 * tools write).
 */
export async function makeReleaseFolder(dir: string, opts: ReleaseFolderOptions): Promise<ReleaseFolder> {
  const { pairs, otherRateFraction = 0.1, jpegSize = { width: 1920, height: 1080 }, picturesPerInstrument = 4, validationFraction = 1 / 9 } = opts;
  const names = Object.values(URMP_INSTRUMENTS);
  const pictures = new Map<string, Buffer[]>();
  for (const [k, inst] of names.entries()) {
    pictures.set(inst, await Promise.all(Array.from({ length: picturesPerInstrument }, (_, j) => releasePicture(jpegSize.width, jpegSize.height, 1000 * k + j + 1))));
  }
  const files: string[] = [];
  const made = new Set<string>();
  let bytes = 0;
  let otherRate = 0;
  const otherEvery = otherRateFraction > 0 ? 1 / otherRateFraction : Infinity;
  const writes: Promise<void>[] = [];
  for (let k = 0; k < pairs; k++) {
    const ki = Math.floor(k / names.length);
    const inst = names[k % names.length];
    const split = validationFraction > 0 && ki % Math.round(1 / validationFraction) === 0 ? 'validation' : 'train';
    const piece = 1 + Math.floor(ki / 500);
    const name = `${inst}${String(piece).padStart(2, '0')}_${(ki % 500) * 100}`;
    const imgDir = join(dir, 'Sub-URMP', 'img', split, inst);
    const chunkDir = join(dir, 'Sub-URMP', 'chunk', split, inst);
    if (!made.has(imgDir)) {
      mkdirSync(imgDir, { recursive: true });
      mkdirSync(chunkDir, { recursive: true });
      made.add(imgDir);
    }
    const pics = pictures.get(inst)!;
    const jpg = tagJpeg(pics[ki % pics.length], `avstudio bench ${k}`);
    // every otherEvery-th pair (spread evenly) is at another rate: alternately 48 kHz stereo and 22.05 kHz mono
    const other = Math.floor((k + 1) / otherEvery) > Math.floor(k / otherEvery);
    const fmt = !other ? { rate: 44100, ch: 1 } : otherRate % 2 === 0 ? { rate: 48000, ch: 2 } : { rate: 22050, ch: 1 };
    if (other) otherRate++;
    const hz = 110 * 2 ** ((k % names.length) / 6) * (1 + (ki % 12) / 24);
    const wav = encodeWavChannels(releaseChunk(fmt.rate, fmt.ch, k + 1, hz), { sampleRate: fmt.rate, bits: 16 });
    const imgFile = join(imgDir, `${name}.jpg`);
    const chunkFile = join(chunkDir, `${name}.wav`);
    files.push(imgFile, chunkFile);
    bytes += jpg.length + wav.length;
    writes.push(writeFile(imgFile, jpg), writeFile(chunkFile, wav));
    if (writes.length >= 64) await Promise.all(writes.splice(0));
  }
  await Promise.all(writes);
  return { root: dir, pairs, otherRate, files, bytes };
}
