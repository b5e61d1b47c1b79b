// What the import needs to know about a video without decoding it: duration, frame size and rate,
// read from `ffmpeg -i` (ffprobe is not always shipped with the npm ffmpeg binary). The last frame
// time tells which window starts still have a frame (§4.1: the first frame of each window).
import { spawn } from 'node:child_process';
import { AvError } from '../errors';
import { assertExists, ffmpegPath } from '../media/ffmpegRun';

export interface VideoInfo {
  durationS: number;
  width: number;
  height: number;
  fps: number;
  /** Time of the last frame (duration − one frame), the latest window start that has a picture. */
  lastFrameS: number;
}

export async function probeVideo(file: string): Promise<VideoInfo> {
  await assertExists(file);
  const stderr = await new Promise<string>((resolve, reject) => {
    const child = spawn(ffmpegPath(), ['-hide_banner', '-nostdin', '-i', file], { stdio: ['ignore', 'ignore', 'pipe'] });
    const chunks: Buffer[] = [];
    child.stderr.on('data', (b: Buffer) => chunks.push(b));
    child.on('error', (e) => reject(new AvError('internal', `could not run ffmpeg: ${e.message}`, { cause: e })));
    child.on('close', () => resolve(Buffer.concat(chunks).toString('utf8')));
  });
  const video = /Stream #\S+.*?: Video: [^\n]*/.exec(stderr)?.[0];
  if (!video) {
    if (/Invalid data|moov atom not found|could not find codec/i.test(stderr)) throw new AvError('corrupt_file', 'the video cannot be read', { file, details: { ffmpeg: stderr.slice(-1000) } });
    throw new AvError('unsupported', 'the file has no video stream', { file });
  }
  const d = /Duration: (\d+):(\d+):(\d+(?:\.\d+)?)/.exec(stderr);
  if (!d) throw new AvError('corrupt_file', 'the video has no duration', { file });
  const durationS = Number(d[1]) * 3600 + Number(d[2]) * 60 + Number(d[3]);
  const size = /, (\d{2,5})x(\d{2,5})[\s,[]/.exec(video);
  const fpsMatch = /, (\d+(?:\.\d+)?) fps/.exec(video) ?? /, (\d+(?:\.\d+)?) tbr/.exec(video);
  const fps = fpsMatch ? Number(fpsMatch[1]) : 25;
  if (!size || !(durationS > 0)) throw new AvError('corrupt_file', 'the video has no frames', { file });
  return { durationS, width: Number(size[1]), height: Number(size[2]), fps, lastFrameS: Math.max(0, durationS - 1 / fps) };
}
