// Images for the S2I / I2S networks (§3.1: images are 64×64×3; §3.4 image encoder input). Any JPEG /
// PNG / WebP (whatever sharp/libvips decodes) → centre square crop (or a given crop box in source
// pixels) → 64×64 RGB Uint8 (sharp's default Lanczos-3 resampling, alpha removed / flattened,
// greyscale expanded to sRGB). EXIF orientation is NOT applied: crop boxes refer to the stored pixels.
import { readFile } from 'node:fs/promises';
import sharp from 'sharp';
import { AvError, toAvError } from '../errors';
import { IMAGE_SIZE } from './constants';

export interface CropBox {
  x: number;
  y: number;
  w: number;
  h: number;
}

/** Whether `box` is a box of whole pixels (x, y ≥ 0; w, h > 0) inside a width×height picture. */
export function boxInside(box: CropBox, width: number, height: number): boolean {
  const whole = [box.x, box.y, box.w, box.h].every(Number.isInteger) && box.x >= 0 && box.y >= 0 && box.w > 0 && box.h > 0;
  return whole && box.x + box.w <= width && box.y + box.h <= height;
}

export interface RgbImage {
  width: number;
  height: number;
  /** Row-major RGB bytes, length width·height·3. */
  data: Uint8Array;
}

/** The largest centred square inside a width×height image. */
export function centerSquare(width: number, height: number): CropBox {
  const side = Math.min(width, height);
  return { x: Math.floor((width - side) / 2), y: Math.floor((height - side) / 2), w: side, h: side };
}

export interface PrepareOptions {
  /** Crop box in source pixels; defaults to the centred square. */
  crop?: CropBox;
  /** Output side (default 64, §3.1). */
  size?: number;
  /** Path reported in errors when `input` is a buffer. */
  file?: string;
}

/** Decodes an image (path or bytes), crops and resizes it to size×size×3 RGB. */
export async function prepareImage(input: string | Buffer, opts: PrepareOptions = {}): Promise<RgbImage> {
  const file = typeof input === 'string' ? input : opts.file;
  let bytes: Buffer;
  if (typeof input === 'string') {
    try {
      bytes = await readFile(input);
    } catch (err) {
      const e = toAvError(err);
      throw new AvError(e.kind, e.message, { file, cause: err });
    }
  } else bytes = input;
  if (bytes.length === 0) throw new AvError('empty_input', 'the image file is empty', { file });
  const size = opts.size ?? IMAGE_SIZE;
  const meta = await sharp(bytes)
    .metadata()
    .catch((err: unknown) => {
      throw imageError(err, file);
    });
  const width = meta.width ?? 0;
  const height = meta.height ?? 0;
  if (!width || !height) throw new AvError('corrupt_file', 'the image has no size', { file });
  const box = opts.crop ?? centerSquare(width, height);
  if (!boxInside(box, width, height)) {
    throw new AvError('out_of_range', `crop box ${JSON.stringify(box)} is outside the ${width}×${height} image`, { file, details: { box, width, height } });
  }
  try {
    const { data, info } = await sharp(bytes)
      .extract({ left: box.x, top: box.y, width: box.w, height: box.h })
      .resize(size, size, { fit: 'fill' })
      .flatten({ background: { r: 0, g: 0, b: 0 } })
      .toColourspace('srgb')
      .removeAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 3 || info.width !== size || info.height !== size) {
      throw new AvError('unsupported', `unexpected decoded layout ${info.width}×${info.height}×${info.channels}`, { file });
    }
    return { width: size, height: size, data: new Uint8Array(data.buffer, data.byteOffset, data.length) };
  } catch (err) {
    throw imageError(err, file);
  }
}

/** Decodes image bytes at full size to RGB (used for video frames). */
export async function decodeRgb(bytes: Buffer, file?: string): Promise<RgbImage> {
  try {
    const { data, info } = await sharp(bytes).flatten({ background: { r: 0, g: 0, b: 0 } }).toColourspace('srgb').removeAlpha().raw().toBuffer({ resolveWithObject: true });
    return { width: info.width, height: info.height, data: new Uint8Array(data.buffer, data.byteOffset, data.length) };
  } catch (err) {
    throw imageError(err, file);
  }
}

/** RGB bytes → Float32 in [−1, 1] (v / 127.5 − 1), the usual GAN input scaling. */
export function toSignedFloat(img: RgbImage): Float32Array {
  const out = new Float32Array(img.data.length);
  for (let i = 0; i < img.data.length; i++) out[i] = img.data[i] / 127.5 - 1;
  return out;
}

function imageError(err: unknown, file?: string): AvError {
  if (err instanceof AvError) return err;
  const msg = err instanceof Error ? err.message : String(err);
  if (/unsupported image format/i.test(msg)) return new AvError('unsupported', `not an image format sharp can decode (${msg})`, { file, cause: err });
  if (/premature end|truncated|end of (file|stream)/i.test(msg)) return new AvError('truncated_file', `the image ends early (${msg})`, { file, cause: err });
  return new AvError('corrupt_file', `the image cannot be decoded (${msg})`, { file, cause: err });
}
