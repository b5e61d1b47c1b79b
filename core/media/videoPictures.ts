// The 64×64 network pictures of video frames (§3.1: the picture is the frame, or the player's crop
// box of it, resized; §4: the first frame of each window), made by ffmpeg's own scaler inside the
// decode: crop, Lanczos resize and RGB conversion of the selected frames happen in ffmpeg, which
// then pipes out 64×64 pictures instead of 1920×1080 frames (issue 15). Measured on a 1080p
// 29.97 fps URMP-layout video with every third frame selected: piping full RGB frames out costs
// 2.4–3.4 s more than decoding alone and each 6 MB frame then took a Lanczos resize in sharp; the
// pictures from ffmpeg add ~0.6 CPU s to the selecting decode's 2.1–2.3 (one thread, 809 of 2,427 frames).
//
// Every path that makes a video pair's picture uses this same filter — the one-pass feature job
// (videoFrames with `pictureRowFilter`) and the per-pair path (extractVideoPicture, `-ss T`) — so
// they give identical pixels. Pictures of image files keep sharp's Lanczos-3 (picture64.ts); the two
// resamplers differ by one to two levels on average (both band-limit the downscale).
import { AvError } from '../errors';
import { IMAGE_SIZE } from './constants';
import { assertExists, ffmpegError, runFfmpeg } from './ffmpegRun';
import { boxInside, type CropBox, type RgbImage } from './image';
import { probeVideo } from './videoFrames';

/**
 * swscale's resize: Lanczos (its kernel widens with the downscale factor), with the chroma
 * interpolated at full resolution (full_chroma_int): on a detailed 192×144 test clip the pictures
 * are then 1.2–1.9 levels from sharp's Lanczos-3 of the RGB frame on average, 8.7 without it; converting
 * to RGB before the resize (0.5 levels) costs three times the CPU of the resize itself at 1080p.
 */
const SCALE = `scale=${IMAGE_SIZE}:${IMAGE_SIZE}:flags=lanczos+full_chroma_int,format=rgb24`;

/**
 * ffmpeg's crop filter for a box (exact: no rounding of odd offsets to the chroma grid); the whole
 * frame for null. A box at an odd offset is cut from full-resolution chroma (yuv444p): cut from
 * 4:2:0 its chroma lies half a pixel off (7 levels from sharp's picture on the test clip, not 1.7).
 */
const cropOf = (box: CropBox | null): string => {
  if (!box) return '';
  return `${(box.x | box.y) & 1 ? 'format=yuv444p,' : ''}crop=${box.w}:${box.h}:${box.x}:${box.y}:exact=1,`;
};

/**
 * A filter chain (one input, one output) turning each frame into one row of IMAGE_SIZE² RGB
 * pictures, one per box in order (null: the whole frame): picture k is columns k·64 … k·64 + 63.
 */
export function pictureRowFilter(boxes: ReadonlyArray<CropBox | null>): string {
  if (boxes.length === 0) throw new AvError('internal', 'a picture row needs at least one box');
  if (boxes.length === 1) return `${cropOf(boxes[0])}${SCALE}`;
  const split = `split=${boxes.length}${boxes.map((_, k) => `[in${k}]`).join('')}`;
  const each = boxes.map((b, k) => `[in${k}]${cropOf(b)}${SCALE}[p${k}]`).join(';');
  return `${split};${each};${boxes.map((_, k) => `[p${k}]`).join('')}hstack=inputs=${boxes.length}`;
}

/** Picture k of a row made by pictureRowFilter, as its own IMAGE_SIZE² RGB image. */
export function pictureOfRow(row: RgbImage, k: number): RgbImage {
  const s = IMAGE_SIZE;
  if (row.height !== s || row.width % s !== 0 || k < 0 || (k + 1) * s > row.width) {
    throw new AvError('internal', `picture ${k} is not in a ${row.width}×${row.height} picture row`);
  }
  const data = new Uint8Array(s * s * 3);
  for (let y = 0; y < s; y++) data.set(row.data.subarray((y * row.width + k * s) * 3, (y * row.width + (k + 1) * s) * 3), y * s * 3);
  return { width: s, height: s, data };
}

/** The out_of_range error of a crop box outside its frame (one message for every path). */
export function boxOutside(box: CropBox, file: string, frame?: { width: number; height: number }): AvError {
  const size = frame ? ` ${frame.width}×${frame.height}` : '';
  return new AvError('out_of_range', `crop box ${JSON.stringify(box)} is outside the${size} video frame`, { file, details: { box, ...frame } });
}

/**
 * One video pair's 64×64 picture: the first frame at or after `atSeconds` (as extractVideoFrame
 * chooses it), cropped to `crop` (the whole frame for null), by the same filter as the one-pass path.
 * `frame` is the video's frame size when the caller knows it (the catalog's source row), else it is
 * probed when a crop box has to be checked.
 */
export async function extractVideoPicture(file: string, atSeconds: number, crop: CropBox | null, frame?: { width: number; height: number }): Promise<RgbImage> {
  if (!Number.isFinite(atSeconds) || atSeconds < 0) throw new AvError('out_of_range', `invalid frame time ${atSeconds} s`, { file });
  await assertExists(file);
  if (crop) {
    // ffmpeg's crop would move a box that sticks out back inside the frame: checked here
    const size = frame?.width && frame.height ? frame : await probeVideo(file);
    if (!boxInside(crop, size.width || Infinity, size.height || Infinity)) throw boxOutside(crop, file, size.width ? size : undefined);
  }
  const r = await runFfmpeg(['-ss', atSeconds.toFixed(6), '-i', file, '-map', '0:v:0', '-frames:v', '1', '-vf', pictureRowFilter([crop]), '-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1']);
  if (r.code !== 0) {
    if (crop && /Parsed_crop|Invalid too big or non positive size/i.test(r.stderr)) throw boxOutside(crop, file);
    throw ffmpegError(r.stderr, file, 'frame extraction failed');
  }
  if (r.stdout.length === 0) {
    throw new AvError('out_of_range', `no video frame at ${atSeconds} s (past the end of the video?)`, { file, details: { atSeconds } });
  }
  if (r.stdout.length !== IMAGE_SIZE * IMAGE_SIZE * 3) throw new AvError('internal', `ffmpeg gave ${r.stdout.length} bytes for a ${IMAGE_SIZE}×${IMAGE_SIZE} picture`, { file });
  return { width: IMAGE_SIZE, height: IMAGE_SIZE, data: new Uint8Array(r.stdout.buffer, r.stdout.byteOffset, r.stdout.length) };
}
