// One-pass frames (videoFrames) against today's per-frame extraction (extractVideoFrame, one ffmpeg
// per time) on real H.264 MP4s at 29.97 and 30 fps whose content moves every frame: the same frame
// is chosen for every time (including the first and the last frame and times within µs of a frame)
// and the pixels — full size and the 64×64 crop the networks see — are the same.
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { rgbImage64 } from '../datasets/pairMedia';
import { findFfmpeg } from '../env/ffmpeg';
import { AvError } from '../errors';
import { prepareImage, type RgbImage } from './image';
import { extractVideoFrame } from './videoFrame';
import { selectExpression, videoFrames } from './videoFrames';
import { extractVideoPicture, pictureOfRow, pictureRowFilter } from './videoPictures';

const dir = mkdtempSync(join(tmpdir(), 'vframes-'));

function makeVideo(name: string, rate: string, source: string, withAudio = false): string {
  const file = join(dir, name);
  const args = ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', `${source}=size=192x144:rate=${rate}`];
  if (withAudio) args.push('-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000');
  args.push('-t', '2.5', '-pix_fmt', 'yuv420p', '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '15', '-bf', '2');
  if (withAudio) args.push('-c:a', 'aac', '-shortest');
  execFileSync(findFfmpeg()!.path, [...args, file]);
  return file;
}

function maxDiff(a: RgbImage, b: RgbImage): number {
  expect([a.width, a.height]).toEqual([b.width, b.height]);
  let m = 0;
  for (let i = 0; i < a.data.length; i++) m = Math.max(m, Math.abs(a.data[i] - b.data[i]));
  return m;
}

async function compare(file: string, fps: number): Promise<{ times: number; frames: number }> {
  const frame = (k: number) => k / fps;
  const last = 74; // 2.5 s → frames 0…74
  const times = [0, 1e-6];
  // window starts at the 0.1 s stride, accumulated float error included (every other one, to stay quick)
  for (let t = 0.1, k = 1; t < 2.5; t += 0.1, k++) if (k % 2 || k > 20) times.push(t);
  times.push(frame(1), frame(7) - 1e-6, frame(7) + 1e-6, frame(7) + 4e-5, frame(20) + 0.5 / fps, frame(last - 1) + 0.001, frame(last), frame(last) - 1e-6);
  const crop = { x: 30, y: 10, w: 100, h: 120 };
  const got = new Map<number, { full: RgbImage; small: RgbImage; pts: number }>();
  const r = await videoFrames(file, times, async (f) => {
    const small = await rgbImage64(f, crop, file);
    for (const i of f.requests) got.set(i, { full: { ...f, data: Uint8Array.from(f.data) }, small, pts: f.pts });
  });
  expect(r).not.toBeNull();
  expect(r!.missing).toEqual([]);
  expect(got.size).toBe(times.length);
  for (const [i, t] of times.entries()) {
    const ref = await extractVideoFrame(file, t);
    const mine = got.get(i)!;
    expect({ t, diff: maxDiff(mine.full, ref) }).toEqual({ t, diff: 0 });
    const refSmall = await prepareImage(ref.png, { crop, file });
    expect({ t, diff: maxDiff(mine.small, refSmall) }).toEqual({ t, diff: 0 });
  }
  // the content moves: consecutive stride times show different frames, so a wrong choice would fail
  const f01 = got.get(times.indexOf(0))!.full;
  expect(maxDiff(f01, got.get(2)!.full)).toBeGreaterThan(10);
  return { times: times.length, frames: r!.frames };
}

describe('videoFrames (one ffmpeg pass per video)', () => {
  it('chooses the same frames with the same pixels as per-frame extraction at 29.97 fps', async () => {
    const r = await compare(makeVideo('v2997.mp4', '30000/1001', 'testsrc2'), 30000 / 1001);
    expect(r.frames).toBeLessThan(40); // only the needed frames were piped out of 75
  }, 30_000);

  it('… at 30 fps (frame times fall exactly on the window starts), with an AAC track beside the video', async () => {
    await compare(makeVideo('v30.mp4', '30', 'mandelbrot', true), 30);
  }, 30_000);

  it('reports times past the end as missing, as extractVideoFrame fails there', async () => {
    const file = makeVideo('short.mp4', '25', 'testsrc');
    const seen: number[] = [];
    const r = await videoFrames(file, [0.5, 9, 2.48, 2.5], (f) => void seen.push(...f.requests));
    expect(r!.missing.sort()).toEqual([1, 3]);
    expect(seen.sort()).toEqual([0, 2]);
    await expect(extractVideoFrame(file, 9)).rejects.toSatisfy((e: unknown) => e instanceof AvError && e.kind === 'out_of_range');
    await expect(videoFrames(join(dir, 'nope.mp4'), [0], () => undefined)).rejects.toSatisfy((e: unknown) => e instanceof AvError && e.kind === 'not_found');
  }, 30_000);

  it('compresses a regular grid of thresholds into one term, and scattered ones into one covering grid', () => {
    const grid = Array.from({ length: 400 }, (_, k) => BigInt(3000 * k));
    expect(selectExpression(grid)).toBe('gt(clip(floor((pts-(0))/3000)+1,0,400),if(isnan(prev_pts),0,clip(floor((prev_pts-(0))/3000)+1,0,400)))');
    const scattered = grid.filter((_, k) => (k * 7919) % 3 !== 0);
    expect(selectExpression(scattered, 5)).toBe(selectExpression([scattered[0], scattered.at(-1)!, ...Array.from({ length: 398 }, (_, k) => BigInt(3000 * (k + 1)))]));
  });

  it('a superset selection (scattered times) still answers every time with the right frame', async () => {
    const file = makeVideo('sparse.mp4', '30000/1001', 'testsrc2');
    const times = [0.1, 0.4, 0.5, 1.1, 1.7, 1.8, 2.3];
    const got = new Map<number, Uint8Array>();
    const r = await videoFrames(file, times, (f) => void f.requests.forEach((i) => got.set(i, f.data)), { maxSelectRuns: 1 });
    expect(r!.frames).toBeGreaterThan(times.length); // the covering grid (0.1 s) piped more frames than asked
    expect(r!.missing).toEqual([]);
    for (const [i, t] of times.entries()) expect(Buffer.from(got.get(i)!).equals(Buffer.from((await extractVideoFrame(file, t)).data))).toBe(true);
  }, 30_000);

  it("pipes out rows of 64×64 pictures (a crop box each, odd offsets, the whole frame) equal to the per-pair path's, and close to sharp's resize of the same frame", async () => {
    const file = makeVideo('pictures.mp4', '30000/1001', 'testsrc2');
    const boxes = [{ x: 31, y: 9, w: 101, h: 120 }, null, { x: 0, y: 0, w: 96, h: 144 }];
    const times = [0, 0.2, 0.5, 1.3, 2.4];
    const rows = new Map<number, RgbImage>();
    let size: { width: number; height: number } | undefined;
    const r = await videoFrames(file, times, (f) => void f.requests.forEach((i) => rows.set(i, { ...f, data: Uint8Array.from(f.data) })), {
      filter: (frame) => ((size = { width: frame.width, height: frame.height }), pictureRowFilter(boxes)),
    });
    expect(size).toEqual({ width: 192, height: 144 });
    expect(r!.missing).toEqual([]);
    for (const [i, t] of times.entries()) {
      const row = rows.get(i)!;
      expect([row.width, row.height]).toEqual([64 * boxes.length, 64]);
      const frame = await extractVideoFrame(file, t);
      for (const [k, box] of boxes.entries()) {
        const mine = pictureOfRow(row, k);
        expect({ t, k, diff: maxDiff(mine, await extractVideoPicture(file, t, box)) }).toEqual({ t, k, diff: 0 });
        // the same crop of the same frame: within one to two levels of sharp's Lanczos-3 on average
        const viaSharp = await rgbImage64(frame, box, file);
        let sum = 0;
        for (let j = 0; j < mine.data.length; j++) sum += Math.abs(mine.data[j] - viaSharp.data[j]);
        expect(sum / mine.data.length).toBeLessThan(2.5);
      }
    }
    // a box outside the frame is a typed error naming it
    await expect(extractVideoPicture(file, 0.5, { x: 150, y: 0, w: 100, h: 100 })).rejects.toSatisfy((e: unknown) => e instanceof AvError && e.kind === 'out_of_range' && /crop box/.test(e.message));
  }, 30_000);
});
