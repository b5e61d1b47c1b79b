// The work of materialisation, grouped by source (issue 15): one job decodes each of its sources
// once — an audio track once for all its windows' LMS, a video in one ffmpeg pass for all its
// frames (videoFrames), an image file once for all its crops — and hands every finished feature to
// `emit` as soon as it exists (encoded bytes, ready for the blob store). Runs in a feature worker
// thread (featureWorker.ts) or, as a fallback, in the calling thread. Plain data in and out, so a
// job crosses a thread boundary by structured clone. The results equal the per-pair path
// (pairLmsFeature / pairImageFeature): the same decoders, the same LMS, the same 64×64 resize.
import { readFile } from 'node:fs/promises';
import sharp from 'sharp';
import { AvError, toAvError } from '../errors';
import { IMAGE_SIZE, LMS_SHAPE } from '../media/constants';
import { decodeAudio } from '../media/decodeAudio';
import { boxInside, type CropBox, type RgbImage } from '../media/image';
import { encodeNpy } from '../media/npy';
import { computeRepresentation } from '../media/representations';
import { thumbnailOf } from '../media/thumbnails';
import { boxOutside, extractVideoPicture, pictureOfRow, pictureRowFilter } from '../media/videoPictures';
import { probeVideo, videoFrames } from '../media/videoFrames';
import { extractSeconds } from '../media/windows';
import { image64FromBytes } from './picture64';

export type FeatureKind = 'lms' | 'image';

export interface LmsItem {
  key: string;
  startS: number;
  durS: number;
}
export interface FrameItem {
  key: string;
  frameS: number;
  crop: CropBox | null;
}
export interface ImageItem {
  key: string;
  crop: CropBox | null;
}

export type SourceWork =
  | { kind: 'audio'; file: string; items: LmsItem[] }
  | { kind: 'video'; file: string; items: FrameItem[] }
  | { kind: 'image'; file: string; items: ImageItem[]; /** make the grid's thumbnail too (core/media/thumbnails.ts) */ thumb?: { dir: string; hash: string } };

export interface FeatureJob {
  id: number;
  sources: SourceWork[];
}

/** What a job reports, one message per feature. */
export type FeatureOutput =
  | { type: 'feature'; key: string; rep: 'lms' | 'image64'; bytes: Uint8Array; ext: 'npy' | 'png'; shape: number[] }
  | { type: 'failed'; key: string; reason: string; file: string };

export async function runFeatureJob(job: FeatureJob, emit: (o: FeatureOutput) => void, signal?: AbortSignal): Promise<void> {
  for (const src of job.sources) {
    if (signal?.aborted) throw new AvError('cancelled', 'materialisation was cancelled');
    try {
      if (src.kind === 'audio') await audioWork(src.file, src.items, emit, signal);
      else if (src.kind === 'video') await videoWork(src.file, src.items, emit, signal);
      else await imageWork(src.file, src.items, emit, signal, src.thumb);
    } catch (err) {
      const e = toAvError(err);
      if (e.kind === 'cancelled') throw e;
      // the source cannot be read at all: every feature it was to give fails with the reason
      for (const it of src.items) emit({ type: 'failed', key: it.key, reason: e.message, file: src.file });
    }
  }
}

async function audioWork(file: string, items: LmsItem[], emit: (o: FeatureOutput) => void, signal?: AbortSignal): Promise<void> {
  const { samples } = await decodeAudio(file);
  for (const it of items) {
    if (signal?.aborted) throw new AvError('cancelled', 'materialisation was cancelled');
    try {
      const lms = computeRepresentation('lms', extractSeconds(samples, it.startS, it.durS, file), file);
      if (lms.shape[0] !== LMS_SHAPE[0] || lms.shape[1] !== LMS_SHAPE[1]) throw new AvError('internal', `LMS shape ${lms.shape} is not ${LMS_SHAPE}`);
      emit({ type: 'feature', key: it.key, rep: 'lms', bytes: encodeNpy(lms.data, lms.shape), ext: 'npy', shape: [...lms.shape] });
    } catch (err) {
      emit({ type: 'failed', key: it.key, reason: toAvError(err).message, file });
    }
    // a long track's windows: let the thread's event loop breathe (messages, the studio's requests)
    if (items.length > 8) await new Promise<void>((r) => setImmediate(r));
  }
}

async function png64(img: RgbImage): Promise<Uint8Array> {
  return sharp(Buffer.from(img.data.buffer, img.data.byteOffset, img.data.length), { raw: { width: IMAGE_SIZE, height: IMAGE_SIZE, channels: 3 } }).png().toBuffer();
}

const FRAMES_IN_FLIGHT = 3;
/** Distinct crop boxes one ffmpeg pass makes pictures of (a piece's players); more boxes take more passes. */
const BOXES_PER_PASS = 8;

const boxKey = (b: CropBox | null): string => (b ? `${b.x},${b.y},${b.w},${b.h}` : 'whole');

/**
 * The 64×64 pictures of a video's pairs: one ffmpeg pass decodes the video once and pipes out, for
 * each frame a window starts on, one row of pictures, one per distinct crop box (videoPictures.ts).
 */
async function videoWork(file: string, items: FrameItem[], emit: (o: FeatureOutput) => void, signal?: AbortSignal): Promise<void> {
  const fail = (it: FrameItem, reason: string) => emit({ type: 'failed', key: it.key, reason, file });
  const boxes = new Map<string, CropBox | null>();
  for (const it of items) boxes.set(boxKey(it.crop), it.crop);
  const all = [...boxes.values()];
  for (let from = 0; from < all.length; from += BOXES_PER_PASS) {
    if (signal?.aborted) throw new AvError('cancelled', 'materialisation was cancelled');
    const pass = new Set(all.slice(from, from + BOXES_PER_PASS).map(boxKey));
    await videoPass(file, items.filter((it) => pass.has(boxKey(it.crop))), emit, fail, signal);
  }
}

async function videoPass(file: string, items: FrameItem[], emit: (o: FeatureOutput) => void, fail: (it: FrameItem, reason: string) => void, signal?: AbortSignal): Promise<void> {
  const times = [...new Set(items.map((it) => it.frameS))].sort((a, b) => a - b);
  const byTime = new Map<number, FrameItem[]>();
  for (const it of items) byTime.set(it.frameS, [...(byTime.get(it.frameS) ?? []), it]);
  // the boxes inside the frame, in row order (the filter is built once the frame size is known)
  const column = new Map<string, number>();
  let frameSize: { width: number; height: number } | undefined;
  const filter = (frame: { width: number; height: number }) => {
    frameSize = frame;
    const row: Array<CropBox | null> = [];
    for (const it of items) {
      const k = boxKey(it.crop);
      if (column.has(k)) continue;
      if (it.crop && frame.width > 0 && !boxInside(it.crop, frame.width, frame.height)) continue;
      column.set(k, row.length);
      row.push(it.crop);
    }
    return pictureRowFilter(row.length ? row : [null]);
  };
  const fromRow = async (row: RgbImage, at: number) => {
    await Promise.all(
      (byTime.get(at) ?? []).map(async (it) => {
        const k = column.get(boxKey(it.crop));
        if (k === undefined) return fail(it, boxOutside(it.crop!, file, frameSize).message);
        try {
          emit({ type: 'feature', key: it.key, rep: 'image64', bytes: await png64(pictureOfRow(row, k)), ext: 'png', shape: [IMAGE_SIZE, IMAGE_SIZE, 3] });
        } catch (err) {
          fail(it, toAvError(err).message);
        }
      }),
    );
  };
  // up to FRAMES_IN_FLIGHT rows are encoded while ffmpeg decodes the next frames
  const inFlight = new Set<Promise<void>>();
  const r = await videoFrames(file, times, async (frame) => {
    const work = Promise.all(frame.requests.map((i) => fromRow(frame, times[i]))).then(() => undefined);
    inFlight.add(work);
    void work.finally(() => inFlight.delete(work));
    if (inFlight.size >= FRAMES_IN_FLIGHT) await Promise.race(inFlight);
  }, { signal, filter });
  await Promise.all(inFlight);
  if (r === null) {
    // the stream's time base is not exact: one ffmpeg per picture, as the per-pair path does (the
    // frame size probed once for all their crop boxes)
    const size = items.some((it) => it.crop) ? await probeVideo(file) : undefined;
    for (const it of items) {
      if (signal?.aborted) throw new AvError('cancelled', 'materialisation was cancelled');
      try {
        emit({ type: 'feature', key: it.key, rep: 'image64', bytes: await png64(await extractVideoPicture(file, it.frameS, it.crop, size)), ext: 'png', shape: [IMAGE_SIZE, IMAGE_SIZE, 3] });
      } catch (err) {
        fail(it, toAvError(err).message);
      }
    }
    return;
  }
  for (const i of r.missing) for (const it of byTime.get(times[i]) ?? []) fail(it, `no video frame at ${times[i]} s (past the end of the video?)`);
}

async function imageWork(file: string, items: ImageItem[], emit: (o: FeatureOutput) => void, signal?: AbortSignal, thumb?: { dir: string; hash: string }): Promise<void> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (err) {
    throw new AvError('not_found', `the image cannot be read (${(err as Error).message})`, { file, cause: err });
  }
  // the bytes are read anyway: the grid's thumbnail costs a shrink-on-load decode (null when it cannot be made: the grid serves the file)
  if (thumb) await thumbnailOf(thumb.dir, thumb.hash, bytes);
  for (const it of items) {
    if (signal?.aborted) throw new AvError('cancelled', 'materialisation was cancelled');
    try {
      emit({ type: 'feature', key: it.key, rep: 'image64', bytes: await png64(await image64FromBytes(bytes, it.crop, file)), ext: 'png', shape: [IMAGE_SIZE, IMAGE_SIZE, 3] });
    } catch (err) {
      emit({ type: 'failed', key: it.key, reason: toAvError(err).message, file });
    }
  }
}
