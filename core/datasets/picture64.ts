// The 64×64 network picture (§3.1) from encoded bytes or from decoded RGB pixels, with no catalog
// dependency (feature worker threads load this): the crop box, or the whole picture while none is
// set, resized with sharp's Lanczos-3 to fill. Both paths give the same pixels for the same picture.
import sharp from 'sharp';
import { AvError } from '../errors';
import { IMAGE_SIZE } from '../media/constants';
import { boxInside, type CropBox, prepareImage, type RgbImage } from '../media/image';

async function cropBoxFor(bytes: Buffer, crop: CropBox | null, file: string): Promise<CropBox> {
  if (crop) return crop;
  const meta = await sharp(bytes).metadata().catch((err: unknown) => {
    throw new AvError('corrupt_file', `the image cannot be decoded (${(err as Error).message})`, { file, cause: err });
  });
  return { x: 0, y: 0, w: meta.width ?? 0, h: meta.height ?? 0 };
}

/**
 * Decoded RGB pixels → 64×64 exactly as image64FromBytes does it from the picture's encoded bytes:
 * the crop box (or the whole picture), sharp's Lanczos-3 resize to fill, RGB. Video pictures are made
 * by ffmpeg's scaler instead (media/videoPictures.ts); its tests compare them with this.
 */
export async function rgbImage64(frame: RgbImage, crop: CropBox | null, file: string): Promise<RgbImage> {
  const box = crop ?? { x: 0, y: 0, w: frame.width, h: frame.height };
  if (!boxInside(box, frame.width, frame.height)) {
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

/** Encoded picture bytes → 64×64 RGB from the crop box, or the whole picture while none is set. */
export async function image64FromBytes(bytes: Buffer, crop: CropBox | null, file: string): Promise<RgbImage> {
  return prepareImage(bytes, { crop: await cropBoxFor(bytes, crop, file), file });
}
