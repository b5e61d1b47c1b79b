// Media for the UI, shared by both doors (`avstudio serve`'s /media/<hash> and Electron main's
// avstudio-media://<hash>): a content hash → the file to send. The blob store first (demo media,
// materialised features, rendered pictures), then the catalog's `sources` table, because imported
// URMP / INIS / release media are referenced where they lie, not copied. Plus the one HTTP Range
// parser both doors use, so <audio>/<video>/wavesurfer can seek.
import { existsSync, statSync } from 'node:fs';
import { extname, isAbsolute, relative } from 'node:path';
import type { Catalog } from '../catalog/catalog';
import { isBlobHash, type BlobStore } from '../store/blobStore';
import { THUMB_PX, thumbnailOf } from '../media/thumbnails';

export const MEDIA_MIME: Record<string, string> = {
  '.wav': 'audio/wav',
  '.mp3': 'audio/mpeg',
  '.flac': 'audio/flac',
  '.ogg': 'audio/ogg',
  '.m4a': 'audio/mp4',
  '.mp4': 'video/mp4',
  '.mkv': 'video/x-matroska',
  '.webm': 'video/webm',
  '.mov': 'video/quicktime',
  '.avi': 'video/x-msvideo',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.webp': 'image/webp',
  '.gif': 'image/gif',
  '.bmp': 'image/bmp',
  '.npy': 'application/octet-stream',
  '.json': 'application/json',
};

export interface MediaFile {
  file: string;
  size: number;
  mime: string;
  /** where it was found */
  from: 'blobs' | 'sources' | 'thumbs';
}

function describe(file: string, from: MediaFile['from']): MediaFile | null {
  try {
    const st = statSync(file);
    if (!st.isFile()) return null;
    return { file, size: st.size, mime: MEDIA_MIME[extname(file).toLowerCase()] ?? 'application/octet-stream', from };
  } catch {
    return null;
  }
}

/** The file for a content hash: the blob store first, then the path the catalog's sources table holds. */
export function mediaFileFor(ctx: { blobs: BlobStore; catalog: Catalog }, hash: string): MediaFile | null {
  if (!isBlobHash(hash)) return null;
  const blob = ctx.blobs.find(hash);
  if (blob) return describe(blob, 'blobs');
  const row = ctx.catalog.db.prepare('SELECT path FROM sources WHERE hash = ?').get(hash) as { path: string } | undefined;
  if (!row || !existsSync(row.path)) return null;
  // a source stored in the blob store (demo media) is trusted only as a blob: blobs.find refused it
  // (a symlink, or content that no longer matches), so it is not served through its path either
  const rel = relative(ctx.blobs.root, row.path);
  if (rel === '' || (!rel.startsWith('..') && !isAbsolute(rel))) return null;
  return describe(row.path, 'sources');
}

/**
 * What a grid card shows for a content hash: a picture's thumbnail (made once, core/media/
 * thumbnails.ts), or the file itself when it is small already, not a picture, or not decodable.
 */
export async function mediaThumbFor(ctx: { blobs: BlobStore; catalog: Catalog; home: { thumbsDir: string } }, hash: string): Promise<MediaFile | null> {
  const media = mediaFileFor(ctx, hash);
  if (!media || !media.mime.startsWith('image/')) return media;
  const thumb = await thumbnailOf(ctx.home.thumbsDir, hash, media.file, THUMB_PX);
  return thumb ? describe(thumb, 'thumbs') ?? media : media;
}

export type ByteRange = { start: number; end: number };

/**
 * Parses a `Range: bytes=…` header against a file of `size` bytes (RFC 9110 §14.2, single range).
 * null: no (usable) Range header → send the whole file; 'unsatisfiable' → answer 416.
 * Multi-range requests are answered with the first range only.
 */
export function parseRange(header: string | null | undefined, size: number): ByteRange | null | 'unsatisfiable' {
  if (!header) return null;
  const m = /^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*(?:,.*)?$/i.exec(header);
  if (!m) return null;
  const [, a, b] = m;
  if (a === '' && b === '') return null;
  if (size === 0) return 'unsatisfiable';
  if (a === '') {
    // suffix range: the last N bytes
    const n = Number(b);
    if (n === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - n), end: size - 1 };
  }
  const start = Number(a);
  if (start >= size) return 'unsatisfiable';
  const end = b === '' ? size - 1 : Math.min(Number(b), size - 1);
  if (end < start) return 'unsatisfiable';
  return { start, end };
}
