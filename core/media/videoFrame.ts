// One RGB video frame at a given time (§4: "We use the first frame of each video chunk to represent
// the visual content of the sliding window"): `ffmpeg -ss T -i file -frames:v 1 -f image2pipe
// -vcodec png pipe:1`, decoded with sharp. Input seeking (-ss before -i) is frame-accurate in
// ffmpeg ≥ 2.1 when transcoding; the frame returned is the first one with pts ≥ T.
import { AvError } from '../errors';
import { assertExists, ffmpegError, runFfmpeg } from './ffmpegRun';
import { decodeRgb, type RgbImage } from './image';

export interface VideoFrame extends RgbImage {
  /** The PNG bytes ffmpeg produced. */
  png: Buffer;
  atSeconds: number;
}

export async function extractVideoFrame(file: string, atSeconds: number): Promise<VideoFrame> {
  if (!Number.isFinite(atSeconds) || atSeconds < 0) throw new AvError('out_of_range', `invalid frame time ${atSeconds} s`, { file });
  await assertExists(file);
  const r = await runFfmpeg(['-ss', atSeconds.toFixed(6), '-i', file, '-map', '0:v:0', '-frames:v', '1', '-f', 'image2pipe', '-vcodec', 'png', 'pipe:1']);
  if (r.code !== 0) throw ffmpegError(r.stderr, file, 'frame extraction failed');
  if (r.stdout.length === 0) {
    throw new AvError('out_of_range', `no video frame at ${atSeconds} s (past the end of the video?)`, { file, details: { atSeconds } });
  }
  const img = await decodeRgb(r.stdout, file);
  return { ...img, png: r.stdout, atSeconds };
}
