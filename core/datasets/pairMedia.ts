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
import type { RgbImage } from '../media/image';
import { extractVideoFrame } from '../media/videoFrame';
import { extractVideoPicture } from '../media/videoPictures';
import { image64FromBytes } from './picture64';
import { extractSeconds } from '../media/windows';

export { image64FromBytes, rgbImage64 } from './picture64';

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
 * The pair's picture as the networks see it: 64×64 RGB (§3.1), from the crop box or the whole
 * picture; a video frame's by ffmpeg's scaler, as the one-pass feature job makes it (videoPictures.ts).
 */
export async function pairImage64(cat: Catalog, pair: PairRow): Promise<RgbImage> {
  if (!pair.image && pair.video && pair.frameS !== null) {
    const src = sourceOf(cat, pair.video.id);
    return extractVideoPicture(src.path, pair.frameS, pair.crop, src.width && src.height ? { width: src.width, height: src.height } : undefined);
  }
  const { bytes, file } = await pairPictureBytes(cat, pair);
  return image64FromBytes(bytes, pair.crop, file);
}
