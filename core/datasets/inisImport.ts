// INIS (§4.2, Table 3): ImageNet pictures of five instruments, one folder per class, and solo
// recordings per class. The paper samples 0.5 s chunks from the recordings (7,200 from 77 pieces)
// and pairs each chunk with a picture of the same class; here both steps are seeded. The paper does
// not say how it split; Table 3's ratio is ~70/30, so recordings (and pictures) are split 70/30 per
// class, by recording, so no song is in both splits.
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import type { Catalog } from '../catalog/catalog';
import type { Split } from '../catalog/pairsRepo';
import { SAMPLE_RATE, WINDOW_SECONDS, WINDOW_SAMPLES } from '../media/constants';
import { decodeAudio } from '../media/decodeAudio';
import { DEFAULT_SILENCE_RMS, rms } from '../media/silence';
import { describeFile } from './fileSource';
import { type ImportResult, type ImportRunOptions, runImport, type StagedSource, throwIfAborted } from './importWriter';
import { deriveSeed, DEFAULT_DATASET_SEED, mulberry32, shuffled } from './seededRandom';
import { SkipReport } from './skipReport';

/** §4.2: "We sample 7200 small audio chunks from all pieces" (77 pieces) → ~94 per recording. */
export const DEFAULT_INIS_CHUNKS_PER_RECORDING = Math.round(7200 / 77);
/** Table 3: 3,461 train / 1,905 test… per class ≈ 70 % / 30 % (e.g. piano 766 / 327). */
export const INIS_TEST_FRACTION = 0.3;
/** Tries per wanted chunk before giving up on finding a non-silent one. */
const SILENT_RETRIES = 4;
export const INIS_IMAGE_EXT = /\.(jpe?g|png|webp)$/i;
export const INIS_AUDIO_EXT = /\.(wav|mp3|flac|ogg|m4a|aac|opus)$/i;

export interface InisImportOptions extends ImportRunOptions {
  name?: string;
  seed?: number;
  chunksPerRecording?: number;
  rmsThreshold?: number;
}

export async function classFolders(dir: string): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  for (const e of (await readdir(dir, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name))) {
    if (!e.isDirectory() || e.name.startsWith('.')) continue;
    out.set(e.name.toLowerCase(), (await readdir(join(dir, e.name))).sort().map((f) => join(dir, e.name, f)));
  }
  return out;
}

/** Splits items into test (≈ fraction, at least one when there are two or more) and train, seeded. */
export function splitItems<T>(items: readonly T[], seed: number, fraction = INIS_TEST_FRACTION): Map<T, Split> {
  const order = shuffled(items, mulberry32(seed));
  const nTest = items.length < 2 ? 0 : Math.max(1, Math.round(items.length * fraction));
  return new Map(order.map((it, i) => [it, i < nTest ? 'test' : 'train']));
}

export async function importInis(cat: Catalog, imagesDir: string, audioDir: string, opts: InisImportOptions = {}): Promise<ImportResult> {
  const seed = opts.seed ?? DEFAULT_DATASET_SEED;
  const perRecording = opts.chunksPerRecording ?? DEFAULT_INIS_CHUNKS_PER_RECORDING;
  const rmsThreshold = opts.rmsThreshold ?? DEFAULT_SILENCE_RMS;
  const skips = new SkipReport();
  const images = await classFolders(imagesDir);
  const audio = await classFolders(audioDir);
  for (const c of images.keys()) if (!audio.has(c)) skips.add(join(imagesDir, c), `class "${c}" has pictures but no recordings folder`);
  for (const c of audio.keys()) if (!images.has(c)) skips.add(join(audioDir, c), `class "${c}" has recordings but no pictures folder`);
  const classes = [...images.keys()].filter((c) => audio.has(c));
  const total = classes.reduce((n, c) => n + audio.get(c)!.length, 0);
  let done = 0;
  return runImport(
    cat,
    { name: opts.name ?? 'inis', kind: 'inis', description: `INIS from ${imagesDir} + ${audioDir}`, config: { imagesDir, audioDir, seed, chunksPerRecording: perRecording, rmsThreshold, testFraction: INIS_TEST_FRACTION } },
    skips,
    async (w) => {
      for (const cls of classes) {
        // pictures: readable ones only, split by picture
        const pics: StagedSource[] = [];
        for (const f of images.get(cls)!) {
          throwIfAborted(opts.signal);
          if (!INIS_IMAGE_EXT.test(f)) {
            skips.add(f, 'not a picture (.jpg/.png/.webp)');
            continue;
          }
          try {
            const meta = await sharp(f).metadata();
            if (!meta.width || !meta.height) throw new Error('no size');
            pics.push(await describeFile(f, 'image', { width: meta.width, height: meta.height }));
          } catch (err) {
            skips.add(f, `corrupt_file: unreadable picture (${(err as Error).message})`);
          }
        }
        const recordings = audio.get(cls)!.filter((f) => {
          if (INIS_AUDIO_EXT.test(f)) return true;
          skips.add(f, 'not an audio file');
          return false;
        });
        if (!pics.length) {
          skips.add(join(imagesDir, cls), `class "${cls}" has no readable pictures; its recordings are skipped`);
          done += audio.get(cls)!.length;
          continue;
        }
        for (const p of pics) w.source(p);
        const picSplit = splitItems(pics.map((p) => p.hash), deriveSeed(seed, `img:${cls}`));
        const recSplit = splitItems(recordings, deriveSeed(seed, `rec:${cls}`));
        const picsBySplit = (s: Split) => {
          const own = pics.filter((p) => picSplit.get(p.hash) === s);
          return own.length ? own : pics; // a class with one picture shares it across splits
        };
        for (const rec of recordings) {
          throwIfAborted(opts.signal);
          opts.onProgress?.({ done, total, message: rec });
          done++;
          let samples: Float32Array;
          let src: StagedSource;
          try {
            const d = await decodeAudio(rec);
            samples = d.samples;
            src = await describeFile(rec, 'audio', { durationS: d.durationSeconds });
          } catch (err) {
            skips.addError(rec, err);
            continue;
          }
          if (samples.length < WINDOW_SAMPLES) {
            skips.add(rec, `shorter than one ${WINDOW_SECONDS} s chunk`);
            continue;
          }
          w.source(src);
          const split = recSplit.get(rec)!;
          const candidates = picsBySplit(split);
          const rand = mulberry32(deriveSeed(seed, `chunks:${src.hash}`));
          const lastStartMs = Math.floor(((samples.length - WINDOW_SAMPLES) / SAMPLE_RATE) * 1000);
          let made = 0;
          for (let k = 0; k < perRecording * (1 + SILENT_RETRIES) && made < perRecording; k++) {
            const startS = Math.floor(rand() * (lastStartMs + 1)) / 1000;
            const pic = candidates[Math.floor(rand() * candidates.length)];
            const at = Math.round(startS * SAMPLE_RATE);
            if (rms(samples.subarray(at, at + WINDOW_SAMPLES)) < rmsThreshold) continue;
            w.pair({
              pairKey: `${cls}/${src.hash.slice(0, 16)}/${seed}/${made}`,
              instrument: cls,
              split,
              audioHash: src.hash,
              imageHash: pic.hash,
              groupKey: `${cls}/${src.originalName}`,
              startS,
              durS: WINDOW_SECONDS,
            });
            made++;
          }
          if (made < perRecording) skips.add(rec, `only ${made} of ${perRecording} chunks are above the silence threshold`);
        }
      }
      opts.onProgress?.({ done: total, total });
    },
  );
}
