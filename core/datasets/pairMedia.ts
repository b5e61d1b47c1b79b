// A pair's two halves, rendered on demand from its sources: the 0.5 s chunk (mono 44.1 kHz) cut at
// the window start, and the picture — the image file, or the video frame at the pair's frame time —
// cropped to the track's crop box (the whole picture while none is set, §4.1 / issue 5).
import { readFile } from 'node:fs/promises';
import sharp from 'sharp';
import type { Catalog } from '../catalog/catalog';
import type { PairRow } from '../catalog/pairsRepo';
import { getSource, type SourceRow } from '../catalog/sourcesRepo';
import { AvError } from '../errors';
import { decodeAudio } from '../media/decodeAudio';
import { type CropBox, prepareImage, type RgbImage } from '../media/image';
import { IMAGE_SIZE } from '../media/constants';
import { extractVideoFrame } from '../media/videoFrame';
import { extractSeconds } from '../media/windows';

/** JPEG quality of exported / materialised full-size pictures. */
export const EXPORT_JPEG_QUALITY = 92;

export function sourceOf(cat: Catalog, id: number): SourceRow {
  const s = getSource(cat, id);
  if (!s) throw new AvError('not_found', `source ${id} is not in the catalog`);
  return s;
}

/** Decodes each audio source once while pairs of the same track are processed in a row. */
export class TrackCache {
  private id = -1;
  private samples: Float32Array | null = null;

  async samplesOf(cat: Catalog, sourceId: number): Promise<{ samples: Float32Array; file: string }> {
    const src = sourceOf(cat, sourceId);
    if (this.id !== sourceId || !this.samples) {
      this.samples = (await decodeAudio(src.path)).samples;
      this.id = sourceId;
    }
    return { samples: this.samples, file: src.path };
  }
}

/** The pair's 0.5 s chunk as mono float32 at 44.1 kHz. */
export async function pairChunk(cat: Catalog, pair: PairRow, cache = new TrackCache()): Promise<Float32Array> {
  const { samples, file } = await cache.samplesOf(cat, pair.audio.id);
  return extractSeconds(samples, pair.startS, pair.durS, file);
}

/** The picture the pair shows, as encoded bytes (PNG for a video frame, the file's bytes for an image). */
export async function pairPictureBytes(cat: Catalog, pair: PairRow): Promise<{ bytes: Buffer; file: string }> {
  if (pair.image) {
    const src = sourceOf(cat, pair.image.id);
    return { bytes: await readFile(src.path), file: src.path };
  }
  if (pair.video && pair.frameS !== null) {
    const src = sourceOf(cat, pair.video.id);
    const frame = await extractVideoFrame(src.path, pair.frameS);
    return { bytes: frame.png, file: src.path };
  }
  throw new AvError('not_found', `pair ${pair.id} has neither an image nor a video frame`);
}

async function cropBoxFor(bytes: Buffer, crop: CropBox | null, file: string): Promise<CropBox> {
  if (crop) return crop;
  const meta = await sharp(bytes).metadata().catch((err: unknown) => {
    throw new AvError('corrupt_file', `the image cannot be decoded (${(err as Error).message})`, { file, cause: err });
  });
  return { x: 0, y: 0, w: meta.width ?? 0, h: meta.height ?? 0 };
}

/** The pair's picture at full resolution (cropped when a crop box is set) as JPEG. */
export async function pairPictureJpeg(cat: Catalog, pair: PairRow): Promise<Buffer> {
  const { bytes, file } = await pairPictureBytes(cat, pair);
  try {
    let img = sharp(bytes);
    if (pair.crop) img = img.extract({ left: pair.crop.x, top: pair.crop.y, width: pair.crop.w, height: pair.crop.h });
    return await img.flatten({ background: { r: 0, g: 0, b: 0 } }).jpeg({ quality: EXPORT_JPEG_QUALITY }).toBuffer();
  } catch (err) {
    throw new AvError('corrupt_file', `the picture cannot be rendered (${(err as Error).message})`, { file, cause: err });
  }
}

/**
 * Decoded RGB pixels (a video frame from videoFrames) → 64×64 exactly as pairImage64 does it from
 * the frame's PNG: the crop box (or the whole picture), sharp's Lanczos-3 resize to fill, RGB.
 */
export async function rgbImage64(frame: RgbImage, crop: CropBox | null, file: string): Promise<RgbImage> {
  const box = crop ?? { x: 0, y: 0, w: frame.width, h: frame.height };
  const valid = [box.x, box.y, box.w, box.h].every(Number.isInteger) && box.x >= 0 && box.y >= 0 && box.w > 0 && box.h > 0;
  if (!valid || box.x + box.w > frame.width || box.y + box.h > frame.height) {
    throw new AvError('out_of_range', `crop box ${JSON.stringify(box)} is outside the ${frame.width}×${frame.height} image`, { file, details: { box, width: frame.width, height: frame.height } });
  }
  const { data, info } = await sharp(frame.data, { raw: { width: frame.width, height: frame.height, channels: 3 } })
    .extract({ left: box.x, top: box.y, width: box.w, height: box.h })
    .resize(IMAGE_SIZE, IMAGE_SIZE, { fit: 'fill' })
    .flatten({ background: { r: 0, g: 0, b: 0 } })
    .toColourspace('srgb')
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  if (info.channels !== 3) throw new AvError('unsupported', `unexpected decoded layout ${info.width}×${info.height}×${info.channels}`, { file });
  return { width: IMAGE_SIZE, height: IMAGE_SIZE, data: new Uint8Array(data.buffer, data.byteOffset, data.length) };
}

/** The pair's picture as the networks see it: 64×64 RGB (§3.1), from the crop box or the whole picture. */
export async function pairImage64(cat: Catalog, pair: PairRow): Promise<RgbImage> {
  const { bytes, file } = await pairPictureBytes(cat, pair);
  return image64FromBytes(bytes, pair.crop, file);
}

/** Encoded picture bytes → 64×64 RGB from the crop box, or the whole picture while none is set. */
export async function image64FromBytes(bytes: Buffer, crop: CropBox | null, file: string): Promise<RgbImage> {
  return prepareImage(bytes, { crop: await cropBoxFor(bytes, crop, file), file });
}
