// The Datasets screen's extra API methods (see datasetsContract.ts): a pair's picture and LMS,
// rendered once and cached in the blob store (feature_cache keyed by content, like materialisation,
// so a later `materialize` reuses them and vice versa), and a dataset's tracks for the source filter.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import sharp from 'sharp';
import { type Catalog, nowIso } from '../catalog/catalog';
import { getDataset } from '../catalog/datasetsRepo';
import { getPair, type PairRow } from '../catalog/pairsRepo';
import { cachedFeature, IMAGE_REP, LMS_REP, pairFeatureKeys } from '../datasets/materialize';
import { pairChunk, pairImage64, pairPictureJpeg, sourceOf } from '../datasets/pairMedia';
import { AvError } from '../errors';
import { HOP_LENGTH, IMAGE_SIZE, LMS_SHAPE, SAMPLE_RATE } from '../media/constants';
import { decodeNpy, encodeNpy } from '../media/npy';
import { computeRepresentation } from '../media/representations';
import { extractVideoFrame } from '../media/videoFrame';
import type { BlobStore } from '../store/blobStore';
import type { StudioContext } from './context';
import type { PairLms, PairPicture, PictureRef } from './datasetsContract';
import type { ApiHandlers } from './dispatch';

/** Bump when the way an inspector picture is rendered changes. */
const PICTURE_VERSION = 1;
const key = (s: string) => createHash('sha256').update(s).digest('hex');

function pairOf(cat: Catalog, id: number): PairRow {
  const p = getPair(cat, id);
  if (!p) throw new AvError('not_found', `no pair ${id}`);
  return p;
}

function storeFeature(cat: Catalog, blobs: BlobStore, k: string, rep: string, bytes: Buffer, ext: string, shape: readonly number[]): string {
  const hash = blobs.put(bytes, ext);
  cat.db
    .prepare('INSERT INTO feature_cache (key, rep, blob_hash, shape, created_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (key) DO UPDATE SET blob_hash = excluded.blob_hash, shape = excluded.shape')
    .run(k, rep, hash, JSON.stringify(shape), nowIso());
  return hash;
}

/** A cached picture with its size (feature_cache.shape is [height, width, channels]). */
function cachedPicture(cat: Catalog, blobs: BlobStore, k: string): PictureRef | null {
  const hash = cachedFeature(cat, blobs, k);
  if (!hash) return null;
  const { shape } = cat.db.prepare('SELECT shape FROM feature_cache WHERE key = ?').get(k) as { shape: string };
  const [height, width] = JSON.parse(shape) as number[];
  return { hash, width, height };
}

async function sizeOf(bytes: Buffer, file: string): Promise<{ width: number; height: number }> {
  const meta = await sharp(bytes)
    .metadata()
    .catch((err: unknown) => {
      throw new AvError('corrupt_file', `the picture cannot be decoded (${(err as Error).message})`, { file, cause: err });
    });
  return { width: meta.width ?? 0, height: meta.height ?? 0 };
}

export async function renderPairPicture(ctx: StudioContext, pair: PairRow): Promise<PairPicture> {
  const { catalog: cat, blobs } = ctx;
  let source: PictureRef;
  let pictureId: string;
  if (pair.image) {
    const src = sourceOf(cat, pair.image.id);
    pictureId = `image:${pair.image.hash}`;
    const k = key(`picture-source:v${PICTURE_VERSION}:${pictureId}`);
    const cached = cachedPicture(cat, blobs, k);
    if (cached) source = cached;
    else if (src.width && src.height) source = { hash: pair.image.hash, width: src.width, height: src.height };
    else {
      const bytes = await readFile(src.path).catch((err: unknown) => {
        throw new AvError('not_found', `the image cannot be read (${(err as Error).message})`, { file: src.path, cause: err });
      });
      source = { hash: pair.image.hash, ...(await sizeOf(bytes, src.path)) };
    }
  } else if (pair.video && pair.frameS !== null) {
    const src = sourceOf(cat, pair.video.id);
    pictureId = `video:${pair.video.hash}@${pair.frameS}`;
    const k = key(`picture-source:v${PICTURE_VERSION}:${pictureId}`);
    const cached = cachedPicture(cat, blobs, k);
    if (cached) source = cached;
    else {
      const frame = await extractVideoFrame(src.path, pair.frameS);
      source = { hash: storeFeature(cat, blobs, k, 'frame', frame.png, 'png', [frame.height, frame.width, 3]), width: frame.width, height: frame.height };
    }
  } else throw new AvError('not_found', `pair ${pair.id} has neither an image nor a video frame`);

  const fullKey = key(`picture-full:v${PICTURE_VERSION}:${pictureId}:${pair.crop ? JSON.stringify(pair.crop) : 'whole'}`);
  let full = cachedPicture(cat, blobs, fullKey);
  if (!full) {
    const jpeg = await pairPictureJpeg(cat, pair);
    const w = pair.crop ? pair.crop.w : source.width;
    const h = pair.crop ? pair.crop.h : source.height;
    full = { hash: storeFeature(cat, blobs, fullKey, 'picture', jpeg, 'jpg', [h, w, 3]), width: w, height: h };
  }

  const smallKey = pairFeatureKeys(pair).image;
  let smallHash = cachedFeature(cat, blobs, smallKey);
  if (!smallHash) {
    const img = await pairImage64(cat, pair);
    const png = await sharp(Buffer.from(img.data), { raw: { width: IMAGE_SIZE, height: IMAGE_SIZE, channels: 3 } }).png().toBuffer();
    smallHash = storeFeature(cat, blobs, smallKey, IMAGE_REP, png, 'png', [IMAGE_SIZE, IMAGE_SIZE, 3]);
  }
  return {
    pairId: pair.id,
    kind: pair.image ? 'image' : 'video-frame',
    frameS: pair.image ? null : pair.frameS,
    source,
    full,
    small: { hash: smallHash, width: IMAGE_SIZE, height: IMAGE_SIZE },
    crop: pair.crop,
  };
}

export async function pairLms(ctx: StudioContext, pair: PairRow): Promise<PairLms> {
  const { catalog: cat, blobs } = ctx;
  const k = pairFeatureKeys(pair).lms;
  let data: Float32Array;
  let shape: [number, number];
  const hash = cachedFeature(cat, blobs, k);
  if (hash) {
    const npy = decodeNpy(blobs.read(hash), blobs.find(hash) ?? undefined);
    data = npy.data;
    shape = [npy.shape[0], npy.shape[1]];
  } else {
    const lms = computeRepresentation('lms', await pairChunk(cat, pair), sourceOf(cat, pair.audio.id).path);
    if (lms.shape[0] !== LMS_SHAPE[0] || lms.shape[1] !== LMS_SHAPE[1]) throw new AvError('internal', `LMS shape ${lms.shape} is not ${LMS_SHAPE}`);
    storeFeature(cat, blobs, k, LMS_REP, encodeNpy(lms.data, lms.shape), 'npy', lms.shape);
    data = lms.data;
    shape = lms.shape;
  }
  let minDb = Infinity;
  let maxDb = -Infinity;
  const out = new Array<number>(data.length);
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (v < minDb) minDb = v;
    if (v > maxDb) maxDb = v;
    out[i] = Math.round(v * 100) / 100;
  }
  return { pairId: pair.id, shape, data: out, minDb, maxDb, startS: pair.startS, durS: pair.durS, sampleRate: SAMPLE_RATE, hopLength: HOP_LENGTH, fMaxHz: SAMPLE_RATE / 2 };
}

type DatasetsHandlers = Pick<ApiHandlers, 'pairs.picture' | 'pairs.lms' | 'pairs.groups'>;

export const datasetsHandlers: DatasetsHandlers = {
  'pairs.picture': (input, ctx) => renderPairPicture(ctx, pairOf(ctx.catalog, input.id)),
  'pairs.lms': (input, ctx) => pairLms(ctx, pairOf(ctx.catalog, input.id)),
  'pairs.groups': (input, ctx) => {
    getDataset(ctx.catalog, input.datasetId);
    const like = input.search ? `%${input.search.replace(/[\\%_]/g, (c) => `\\${c}`)}%` : null;
    const filter = like ? " AND group_key LIKE ? ESCAPE '\\'" : '';
    const args: unknown[] = like ? [input.datasetId, like] : [input.datasetId];
    const total = (ctx.catalog.db.prepare(`SELECT COUNT(DISTINCT group_key) AS n FROM pairs WHERE dataset_id = ?${filter}`).get(...args) as { n: number }).n;
    const items = ctx.catalog.db
      .prepare(`SELECT group_key AS groupKey, COUNT(*) AS pairs FROM pairs WHERE dataset_id = ?${filter} GROUP BY group_key ORDER BY group_key LIMIT ?`)
      .all(...args, input.limit) as Array<{ groupKey: string; pairs: number }>;
    return { total, items };
  },
};
