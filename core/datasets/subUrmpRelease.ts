// The published Sub-URMP release (§4.1, Table 2; DESIGN.md): `Sub-URMP/{img,chunk}/{train,validation}/
// <instrument>/`, a picture `<name>.jpg` and its 0.5 s chunk `<name>.wav` sharing a basename.
// Import keeps the release's split (validation → test); chunks at any sample rate / channel count
// are accepted after a decode check; unpaired, unreadable or misplaced files go to the skip report.
// Export writes a dataset's pairs in the same layout (full-size JPEG + 44.1 kHz mono 16-bit WAV).
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import sharp from 'sharp';
import type { Catalog } from '../catalog/catalog';
import { getDataset } from '../catalog/datasetsRepo';
import { getPair, type PairRow, type Split } from '../catalog/pairsRepo';
import { AvError } from '../errors';
import { SAMPLE_RATE, WINDOW_SECONDS } from '../media/constants';
import { decodeAudio } from '../media/decodeAudio';
import { encodeWav, parseWav } from '../media/wav';
import { describeBytes } from './fileSource';
import { type ImportResult, type ImportRunOptions, runImport, type StagedPair, type StagedSource, throwIfAborted } from './importWriter';
import { codeForFolder, folderForInstrument } from './instruments';
import { pairChunk, pairPictureJpeg, sourceOf, TrackCache } from './pairMedia';
import { SkipReport } from './skipReport';

/** Release split folder → catalog split ("keep the release split (validation → test)"). */
export const RELEASE_SPLITS: Readonly<Record<string, Split>> = { train: 'train', validation: 'test' };
const SPLIT_FOLDER: Record<Split, string> = { train: 'train', test: 'validation' };
/** Chunks shorter than this are not a 0.5 s window (a few ms of slack for resampled files). */
const MIN_CHUNK_SECONDS = WINDOW_SECONDS - 0.01;
/** Files checked at once (sharp / ffmpeg run off the main thread). */
const CONCURRENCY = 8;
/** Audio sources up to this size are checked for a byte-for-byte copy on export (a 0.5 s chunk is ~44 KB). */
const COPY_CHECK_MAX_BYTES = 1_000_000;
const IMAGE_EXT = /\.(jpe?g|png)$/i;
const CHUNK_EXT = /\.wav$/i;

/** The folder holding img/ and chunk/: `dir` itself or `dir/Sub-URMP`. */
export function releaseRoot(dir: string): string {
  for (const c of [dir, join(dir, 'Sub-URMP')]) if (existsSync(join(c, 'img')) && existsSync(join(c, 'chunk'))) return c;
  throw new AvError('not_found', 'not a Sub-URMP release: expected img/ and chunk/ folders (or Sub-URMP/img, Sub-URMP/chunk)', { file: dir });
}

async function listDirs(dir: string): Promise<string[]> {
  if (!existsSync(dir)) return [];
  return (await readdir(dir, { withFileTypes: true })).filter((e) => e.isDirectory() && !e.name.startsWith('.')).map((e) => e.name).sort();
}

async function listFiles(dir: string): Promise<string[]> {
  if (!existsSync(dir)) return [];
  return (await readdir(dir, { withFileTypes: true })).filter((e) => e.isFile() && !e.name.startsWith('.')).map((e) => e.name).sort();
}

const stem = (f: string) => f.slice(0, f.length - extname(f).length);

/** `violin01_4000` → `violin01` (the recording a release chunk comes from). */
export function recordingOf(name: string): string {
  const i = name.lastIndexOf('_');
  return i > 0 ? name.slice(0, i) : name;
}

interface ReleaseItem {
  splitFolder: string;
  instFolder: string;
  name: string;
  image: string;
  chunk: string;
}

/** Lists the pairs of a release; everything that cannot pair goes to `skips`. */
export async function scanRelease(root: string, skips: SkipReport): Promise<ReleaseItem[]> {
  const items: ReleaseItem[] = [];
  for (const kind of ['img', 'chunk']) {
    for (const s of await listDirs(join(root, kind))) if (!(s in RELEASE_SPLITS)) skips.add(join(root, kind, s), 'unknown split folder (expected train or validation)');
  }
  for (const splitFolder of Object.keys(RELEASE_SPLITS)) {
    const instFolders = new Set([...(await listDirs(join(root, 'img', splitFolder))), ...(await listDirs(join(root, 'chunk', splitFolder)))]);
    for (const instFolder of [...instFolders].sort()) {
      const imgDir = join(root, 'img', splitFolder, instFolder);
      const chunkDir = join(root, 'chunk', splitFolder, instFolder);
      if (!codeForFolder(instFolder)) {
        for (const d of [imgDir, chunkDir]) if (existsSync(d)) skips.add(d, 'unknown instrument folder (expected one of the 13 Sub-URMP instrument names)');
        continue;
      }
      const images = new Map((await listFiles(imgDir)).map((f) => [stem(f), f]));
      const chunks = new Map((await listFiles(chunkDir)).map((f) => [stem(f), f]));
      for (const [name, f] of images) {
        if (!IMAGE_EXT.test(f)) skips.add(join(imgDir, f), 'not a .jpg/.png picture');
        else if (!chunks.has(name)) skips.add(join(imgDir, f), `unpaired image: no chunk ${name}.wav`);
        else if (!CHUNK_EXT.test(chunks.get(name)!)) skips.add(join(chunkDir, chunks.get(name)!), 'not a .wav chunk');
        else items.push({ splitFolder, instFolder, name, image: join(imgDir, f), chunk: join(chunkDir, chunks.get(name)!) });
      }
      for (const [name, f] of chunks) if (!images.has(name)) skips.add(join(chunkDir, f), `unpaired chunk: no picture ${name}.jpg`);
    }
  }
  return items;
}

interface StagedItem {
  sources: StagedSource[];
  pair: StagedPair;
}

/** Checks one picture + chunk and describes them as staged rows, or records why not (null). */
async function checkItem(it: ReleaseItem, skips: SkipReport): Promise<StagedItem | null> {
  let imgBytes: Buffer;
  let width: number | undefined;
  let height: number | undefined;
  try {
    imgBytes = await readFile(it.image);
    const meta = await sharp(imgBytes).metadata();
    width = meta.width;
    height = meta.height;
    if (!width || !height) throw new AvError('corrupt_file', 'the picture has no size');
  } catch (err) {
    skips.addError(it.image, err instanceof AvError ? err : new AvError('corrupt_file', `unreadable picture (${(err as Error).message})`));
    return null;
  }
  let wavBytes: Buffer;
  let durationS: number;
  try {
    wavBytes = await readFile(it.chunk);
    const wav = parseWav(wavBytes, it.chunk);
    // the fast path for the release's own format; anything else must decode with ffmpeg
    durationS = wav && wav.sampleRate === SAMPLE_RATE ? wav.samples.length / SAMPLE_RATE : (await decodeAudio(it.chunk, { forceFfmpeg: true })).durationSeconds;
  } catch (err) {
    skips.addError(it.chunk, err);
    return null;
  }
  if (durationS < MIN_CHUNK_SECONDS) {
    skips.add(it.chunk, `the chunk lasts ${durationS.toFixed(3)} s, shorter than a ${WINDOW_SECONDS} s window`);
    return null;
  }
  const image = describeBytes(it.image, imgBytes, 'image', { width, height });
  const audio = describeBytes(it.chunk, wavBytes, 'audio', { durationS });
  return {
    sources: [image, audio],
    pair: {
      pairKey: `${it.splitFolder}/${it.instFolder}/${it.name}`,
      instrument: codeForFolder(it.instFolder)!,
      split: RELEASE_SPLITS[it.splitFolder],
      audioHash: audio.hash,
      imageHash: image.hash,
      groupKey: `${it.splitFolder}/${it.instFolder}/${recordingOf(it.name)}`,
      startS: 0,
      durS: WINDOW_SECONDS,
    },
  };
}

export interface SubUrmpImportOptions extends ImportRunOptions {
  name?: string;
}

/** Imports a Sub-URMP release folder as a dataset (kind 'sub-urmp'). */
export async function importSubUrmpRelease(cat: Catalog, dir: string, opts: SubUrmpImportOptions = {}): Promise<ImportResult> {
  const root = releaseRoot(dir);
  const skips = new SkipReport();
  const items = await scanRelease(root, skips);
  const name = opts.name ?? 'sub-urmp-release';
  return runImport(cat, { name, kind: 'sub-urmp', description: `Sub-URMP release at ${root}`, config: { root } }, skips, async (w) => {
    // a bounded window of files in flight; rows are staged in file order so keys are stable
    for (let i = 0; i < items.length; i += CONCURRENCY) {
      throwIfAborted(opts.signal);
      const batch = items.slice(i, i + CONCURRENCY);
      const local = batch.map(() => new SkipReport());
      const checked = await Promise.all(batch.map((it, j) => checkItem(it, local[j])));
      checked.forEach((c, j) => {
        for (const e of local[j].entries) skips.add(e.file, e.reason);
        if (!c) return;
        for (const src of c.sources) w.source(src);
        w.pair(c.pair);
      });
      opts.onProgress?.({ done: Math.min(items.length, i + CONCURRENCY), total: items.length });
    }
  });
}

export interface ExportOptions {
  /** Only pairs a curator accepted (default: every pair not rejected). */
  acceptedOnly?: boolean;
  onProgress?: (p: { done: number; total: number }) => void;
  signal?: AbortSignal;
}

export interface ExportResult {
  out: string;
  written: number;
  skipped: Array<{ pairId: number; reason: string }>;
}

async function writeAtomic(file: string, data: Uint8Array): Promise<void> {
  const tmp = `${file}.tmp-${process.pid}`;
  await writeFile(tmp, data);
  await rename(tmp, file);
}

/** Is this chunk already a release chunk (44.1 kHz mono 16-bit, exactly the window)? Then it is copied byte for byte. */
function copyableChunk(bytes: Buffer, pair: PairRow): boolean {
  if (pair.startS !== 0) return false;
  const wav = parseWav(bytes);
  return !!wav && wav.sampleRate === SAMPLE_RATE && wav.channels === 1 && wav.bitsPerSample === 16 && Math.abs(wav.samples.length - Math.round(pair.durS * SAMPLE_RATE)) <= 1;
}

function releaseName(pair: PairRow, used: Set<string>): string {
  let name = pair.image && pair.startS === 0 ? stem(basename(pair.image.name)) : `${folderForInstrument(pair.instrument)}${String(pair.id).padStart(5, '0')}_${Math.round(pair.startS * 1000)}`;
  if (used.has(name)) name = `${name}_p${pair.id}`;
  used.add(name);
  return name;
}

/** Writes the dataset's pairs as a Sub-URMP release under `out/Sub-URMP/`. */
export async function exportSubUrmp(cat: Catalog, datasetRef: number | string, out: string, opts: ExportOptions = {}): Promise<ExportResult> {
  const ds = getDataset(cat, datasetRef);
  const root = join(out, 'Sub-URMP');
  const stateSql = opts.acceptedOnly ? "state = 'accepted'" : "state != 'rejected'";
  const ids = (cat.db.prepare(`SELECT id FROM pairs WHERE dataset_id = ? AND ${stateSql} ORDER BY audio_source_id, start_s, id`).all(ds.id) as Array<{ id: number }>).map((r) => r.id);
  const used = new Map<string, Set<string>>();
  const cache = new TrackCache();
  const skipped: ExportResult['skipped'] = [];
  let written = 0;
  for (const id of ids) {
    if (opts.signal?.aborted) throw new AvError('cancelled', 'the export was cancelled');
    const pair = getPair(cat, id);
    if (!pair) continue;
    const dirKey = `${SPLIT_FOLDER[pair.split]}/${folderForInstrument(pair.instrument)}`;
    const imgDir = join(root, 'img', dirKey);
    const chunkDir = join(root, 'chunk', dirKey);
    try {
      const audioSrc = sourceOf(cat, pair.audio.id);
      // small sources may already be release chunks; whole tracks are never read for this check
      const audioBytes = audioSrc.bytes <= COPY_CHECK_MAX_BYTES ? await readFile(audioSrc.path) : null;
      const wav = audioBytes && copyableChunk(audioBytes, pair) ? audioBytes : encodeWav(await pairChunk(cat, pair, cache), SAMPLE_RATE);
      let jpg: Buffer;
      const imgSrc = pair.image ? sourceOf(cat, pair.image.id) : null;
      if (imgSrc && !pair.crop && /\.jpe?g$/i.test(imgSrc.path)) jpg = await readFile(imgSrc.path);
      else jpg = await pairPictureJpeg(cat, pair);
      if (!used.has(dirKey)) {
        used.set(dirKey, new Set());
        await mkdir(imgDir, { recursive: true });
        await mkdir(chunkDir, { recursive: true });
      }
      const name = releaseName(pair, used.get(dirKey)!);
      await writeAtomic(join(imgDir, `${name}.jpg`), jpg);
      await writeAtomic(join(chunkDir, `${name}.wav`), wav);
      written++;
    } catch (err) {
      skipped.push({ pairId: pair.id, reason: err instanceof Error ? err.message : String(err) });
    }
    opts.onProgress?.({ done: written + skipped.length, total: ids.length });
  }
  return { out: root, written, skipped };
}
