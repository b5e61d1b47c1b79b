// Images (sharp) and video frames (ffmpeg + sharp).
import { writeFileSync } from 'node:fs';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { AvError } from '../errors';
import { centerSquare, prepareImage, toSignedFloat } from './image';
import { caught, ffmpegMake, scratchDir } from './testUtil';
import { extractVideoFrame } from './videoFrame';

const s = scratchDir();
afterAll(() => s.cleanup());

/** A width×height image whose left half is red and right half blue. */
async function twoColour(width: number, height: number, format: 'png' | 'jpeg' | 'webp'): Promise<Buffer> {
  const raw = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const o = (y * width + x) * 3;
      if (x < width / 2) raw[o] = 255;
      else raw[o + 2] = 255;
    }
  return sharp(raw, { raw: { width, height, channels: 3 } }).toFormat(format).toBuffer();
}

function mean(img: { data: Uint8Array; width: number }, x0: number, x1: number, c: number): number {
  let acc = 0;
  let n = 0;
  for (let y = 0; y < img.width; y++)
    for (let x = x0; x < x1; x++) {
      acc += img.data[(y * img.width + x) * 3 + c];
      n++;
    }
  return acc / n;
}

describe('images → 64×64×3', () => {
  it('centre square of a wide image', () => {
    expect(centerSquare(200, 100)).toEqual({ x: 50, y: 0, w: 100, h: 100 });
    expect(centerSquare(101, 300)).toEqual({ x: 0, y: 99, w: 101, h: 101 });
  });

  for (const format of ['png', 'jpeg', 'webp'] as const) {
    it(`${format}: centre-cropped and resized, red left / blue right`, async () => {
      const p = s.path(`img.${format}`);
      writeFileSync(p, await twoColour(300, 150, format));
      const img = await prepareImage(p);
      expect([img.width, img.height, img.data.length]).toEqual([64, 64, 64 * 64 * 3]);
      expect(mean(img, 0, 28, 0)).toBeGreaterThan(200);
      expect(mean(img, 0, 28, 2)).toBeLessThan(40);
      expect(mean(img, 36, 64, 2)).toBeGreaterThan(200);
      expect(mean(img, 36, 64, 0)).toBeLessThan(40);
    });
  }

  it('uses a crop box in source pixels', async () => {
    const bytes = await twoColour(300, 150, 'png');
    const blue = await prepareImage(bytes, { crop: { x: 200, y: 10, w: 80, h: 120 } });
    expect(mean(blue, 0, 64, 2)).toBeGreaterThan(250);
    expect(mean(blue, 0, 64, 0)).toBeLessThan(5);
    const f = toSignedFloat(blue);
    expect(f.length).toBe(64 * 64 * 3);
    expect(f[0]).toBe(-1); // R = 0
    expect(f[2]).toBe(1); // B = 255
    const err = await caught(() => prepareImage(bytes, { crop: { x: 250, y: 0, w: 100, h: 100 }, file: 'in-memory.png' }));
    expect((err as AvError).kind).toBe('out_of_range');
    expect((err as AvError).file).toBe('in-memory.png');
  });

  it('garbage and truncated images → typed errors naming the file', async () => {
    const g = s.path('garbage.jpg');
    writeFileSync(g, Buffer.from('definitely not a jpeg'.repeat(10)));
    const e1 = (await caught(() => prepareImage(g))) as AvError;
    expect(e1).toBeInstanceOf(AvError);
    expect(['unsupported', 'corrupt_file']).toContain(e1.kind);
    expect(e1.file).toBe(g);
    const t = s.path('cut.png');
    writeFileSync(t, (await twoColour(300, 150, 'png')).subarray(0, 200));
    const e2 = (await caught(() => prepareImage(t))) as AvError;
    expect(e2).toBeInstanceOf(AvError);
    expect(['truncated_file', 'corrupt_file']).toContain(e2.kind);
    expect(e2.file).toBe(t);
  });
});

describe('video frames', () => {
  // 2 s, 10 fps: red for t < 1 s, blue from 1 s on
  const video = s.path('redblue.mp4');
  ffmpegMake(['-f', 'lavfi', '-i', 'color=c=red:size=96x64:rate=10:duration=2', '-vf', "drawbox=x=0:y=0:w=iw:h=ih:color=blue:t=fill:enable='gte(t,1)'", '-c:v', 'mpeg4', '-q:v', '2', '-pix_fmt', 'yuv420p', video]);

  it('returns the RGB frame at the requested time', async () => {
    const a = await extractVideoFrame(video, 0.5);
    expect([a.width, a.height, a.data.length]).toEqual([96, 64, 96 * 64 * 3]);
    expect(a.data[0]).toBeGreaterThan(200);
    expect(a.data[2]).toBeLessThan(60);
    const b = await extractVideoFrame(video, 1.5);
    expect(b.data[2]).toBeGreaterThan(200);
    expect(b.data[0]).toBeLessThan(60);
    expect(b.png.subarray(1, 4).toString('ascii')).toBe('PNG');
  });

  it('a time past the end → out_of_range', async () => {
    const err = (await caught(() => extractVideoFrame(video, 5))) as AvError;
    expect(err.kind).toBe('out_of_range');
    expect(err.file).toBe(video);
  });

  it('a text file named .mp4 → corrupt_file; a missing file → not_found', async () => {
    const p = s.path('text.mp4');
    writeFileSync(p, 'hello\n'.repeat(100));
    const e = (await caught(() => extractVideoFrame(p, 0))) as AvError;
    expect(e.kind).toBe('corrupt_file');
    expect(e.file).toBe(p);
    const m = s.path('none.mp4');
    expect(((await caught(() => extractVideoFrame(m, 0))) as AvError).kind).toBe('not_found');
  });

  it('a truncated MP4 → truncated_file', async () => {
    const p = s.path('cut.mp4');
    const { readFileSync } = await import('node:fs');
    const full = readFileSync(video);
    writeFileSync(p, full.subarray(0, Math.floor(full.length / 2)));
    const e = (await caught(() => extractVideoFrame(p, 0))) as AvError;
    expect(e.kind).toBe('truncated_file');
    expect(e.file).toBe(p);
  });
});
