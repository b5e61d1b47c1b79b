// The Datasets screen's extra API methods (see datasetsContract.ts): a pair's picture and LMS,
// rendered once and cached in the blob store (feature_cache keyed by content, like materialisation,
// so a later `materialize` reuses them and vice versa), and a dataset's tracks for the source filter.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import sharp from 'sharp';
import type { Catalog } from '../catalog/catalog';
import { getDataset } from '../catalog/datasetsRepo';
import { getPair, type PairRow } from '../catalog/pairsRepo';
import { cachedFeature, pairImageFeature, pairLmsFeature, storeFeature } from '../datasets/materialize';
import { featureTasks } from '../studio/featureTasks';
import { pairPictureJpeg, sourceOf } from '../datasets/pairMedia';
import { AvError } from '../errors';
import { HOP_LENGTH, IMAGE_SIZE, SAMPLE_RATE } from '../media/constants';
import { extractVideoFrame } from '../media/videoFrame';
import type { BlobStore } from '../store/blobStore';
import type { StudioContext } from '../studio/context';
import type { PairLms, PairPicture, PictureRef } from '../contract/datasetsContract';
import type { ApiHandlers } from './dispatch';

/** Bump when the way an inspector picture is rendered changes. */
const PICTURE_VERSION = 1;
const key = (s: string) => createHash('sha256').update(s).digest('hex');

function pairOf(cat: Catalog, id: number): PairRow {
  const p = getPair(cat, id);
  if (!p) throw new AvError('not_found', `no pair ${id}`);
  return p;
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

  const smallHash = (await pairImageFeature(cat, blobs, pair)).hash;
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
  const { data, shape } = (await pairLmsFeature(cat, blobs, pair)).lms;
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

type DatasetsHandlers = Pick<ApiHandlers, 'pairs.picture' | 'pairs.lms' | 'pairs.groups' | 'datasets.features' | 'datasets.materialize'>;

export const datasetsHandlers: DatasetsHandlers = {
  'pairs.picture': (input, ctx) => renderPairPicture(ctx, pairOf(ctx.catalog, input.id)),
  'pairs.lms': (input, ctx) => pairLms(ctx, pairOf(ctx.catalog, input.id)),
  'datasets.features': (input, ctx) => featureTasks(ctx).status(input.datasetId),
  'datasets.materialize': (input, ctx) => featureTasks(ctx).start(input.datasetId, { features: input.features }),
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
