// Small copies of large pictures for the pair grid. A release's pictures are 1920×1080 JPEGs (the
// paper, §4.1): sent as they are, a screen of 26 cards is ~10 MB for the browser to fetch and
// decode before the grid settles, and the requests hold the connections the next page of pairs
// needs. A thumbnail is made once per picture content (JPEG shrink-on-load: libvips decodes at 1/8
// scale, a few ms) and kept under the studio's thumbs folder, named by the source's content hash,
// so it never goes stale; a picture already small enough is served as it is.
import { existsSync, mkdirSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';

/** Shorter side of a grid thumbnail: cards are 64 CSS px, twice that for high-density screens. */
export const THUMB_PX = 128;

const inFlight = new Map<string, Promise<string | null>>();

/**
 * The thumbnail file of a picture whose content hash is `hash`, made from `picture` (its file, or
 * its bytes already read: feature computation makes the thumbnails of the pictures it decodes, so a
 * first look at a new dataset's grid finds them) when it is not there yet; null when the picture is
 * already at most `px` on its shorter side (serve the file itself) or cannot be decoded (the caller
 * serves the file, and the browser shows what it can).
 */
export function thumbnailOf(thumbsDir: string, hash: string, picture: string | Buffer, px = THUMB_PX): Promise<string | null> {
  const out = join(thumbsDir, hash.slice(0, 2), `${hash}-${px}.jpg`);
  if (existsSync(out)) return Promise.resolve(out);
  let job = inFlight.get(out);
  if (!job) {
    job = make(picture, out, px).finally(() => inFlight.delete(out));
    inFlight.set(out, job);
  }
  return job;
}

async function make(picture: string | Buffer, out: string, px: number): Promise<string | null> {
  try {
    const img = sharp(picture, { failOn: 'none' });
    const meta = await img.metadata();
    if (!meta.width || !meta.height || Math.min(meta.width, meta.height) <= px) return null;
    // auto-orientation as browsers show the file (EXIF), then the shorter side px: a card crops its
    // picture to a square (object-fit: cover), so px × px of it stay sharp at twice the card's size
    const bytes = await img.rotate().resize(px, px, { fit: 'outside' }).jpeg({ quality: 82 }).toBuffer();
    mkdirSync(join(out, '..'), { recursive: true });
    const tmp = `${out}.${process.pid}.tmp`;
    writeFileSync(tmp, bytes);
    renameSync(tmp, out); // atomic: another process sees the whole file or none
    return statSync(out).isFile() ? out : null;
  } catch {
    return null;
  }
}
