// The published Sub-URMP release (§4.1, Table 2; docs/ARCHITECTURE.md, "Decisions taken from peers"): `Sub-URMP/{img,chunk}/{train,validation}/
// <instrument>/`, a picture `<name>.jpg` and its 0.5 s chunk `<name>.wav` sharing a basename.
// Import keeps the release's split (validation → test); chunks at any sample rate / channel count
// are accepted after a decode check; unpaired, unreadable or misplaced files go to the skip report.
// Export writes a dataset's pairs in the same layout (full-size JPEG + 44.1 kHz mono 16-bit WAV).
import { copyFileSync, existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { mkdir, readdir, readFile } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { Worker } from 'node:worker_threads';
import { basename, extname, join, resolve } from 'node:path';
import sharp, { type Metadata } from 'sharp';
import type { Catalog } from '../catalog/catalog';
import { getDataset } from '../catalog/datasetsRepo';
import { getPair, type PairRow, type Split } from '../catalog/pairsRepo';
import { AvError, toAvError } from '../errors';
import { SAMPLE_RATE, WINDOW_SECONDS } from '../media/constants';
import { decodeAudio } from '../media/decodeAudio';
import { encodeWav, parseWav, readWavLayout, type WavLayout } from '../media/wav';
import { type ImportResult, type ImportRunOptions, runImport, type StagedPair, type StagedSource, throwIfAborted } from './importWriter';
import { codeForFolder, folderForInstrument } from './instruments';
import { pairChunk, pairPictureJpeg, sourceOf, TrackCache } from './pairMedia';
import { SkipReport } from './skipReport';
import { assertMediaFile, assertMediaFileSync, readDirNames, undecodableReason } from './fileSource';

/** Release split folder → catalog split ("keep the release split (validation → test)"). */
export const RELEASE_SPLITS: Readonly<Record<string, Split>> = { train: 'train', validation: 'test' };
const SPLIT_FOLDER: Record<Split, string> = { train: 'train', test: 'validation' };
/** Chunks shorter than this are not a 0.5 s window (a few ms of slack for resampled files). */
const MIN_CHUNK_SECONDS = WINDOW_SECONDS - 0.01;
/** Pairs checked at once (file reads, sharp's header reads and hashing run on libuv's thread pool). */
const CONCURRENCY = 16;
/** Progress is reported every this many pairs. */
const PROGRESS_EVERY = 64;
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

async function listFiles(dir: string, skips: SkipReport): Promise<string[]> {
  if (!existsSync(dir)) return [];
  // names that are not valid UTF-8 are reported (they would come back garbled, as missing files)
  const listed = await readDirNames(dir);
  for (const u of listed.undecodable) skips.add(join(dir, u.shown), undecodableReason(u.hex));
  const folders = new Set((await readdir(dir, { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name));
  // every entry but folders: symlinks, pipes and devices are checked by kind (fileSource) before
  // anything is read, so they land in the skip report with the reason rather than vanish
  return listed.names.filter((n) => !folders.has(n) && !n.startsWith('.')).sort();
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
      const images = new Map((await listFiles(imgDir, skips)).map((f) => [stem(f), f]));
      const chunks = new Map((await listFiles(chunkDir, skips)).map((f) => [stem(f), f]));
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

/**
 * SHA-256 (hex) of file bytes on a helper thread, so hashing overlaps the main thread's parsing and
 * staging (the buffer is moved to the thread, not copied: callers are done with it).
 */
class HashThread {
  private worker: Worker | null = null;
  private next = 0;
  private waiting = new Map<number, { resolve: (hex: string) => void; reject: (err: Error) => void }>();

  hash(bytes: Buffer): Promise<string> {
    // small or pooled buffers (sharing their ArrayBuffer) are hashed here
    if (bytes.byteOffset !== 0 || bytes.byteLength !== bytes.buffer.byteLength || bytes.length < 64 * 1024) {
      return Promise.resolve(createHash('sha256').update(bytes).digest('hex'));
    }
    const w = this.start();
    const id = this.next++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      w.postMessage({ id, buf: bytes.buffer }, [bytes.buffer as ArrayBuffer]);
    });
  }

  private start(): Worker {
    if (this.worker) return this.worker;
    const w = new Worker(
      `const { parentPort } = require('node:worker_threads');
       const { createHash } = require('node:crypto');
       parentPort.on('message', ({ id, buf }) => parentPort.postMessage({ id, hex: createHash('sha256').update(new Uint8Array(buf)).digest('hex') }));`,
      { eval: true },
    );
    w.on('message', ({ id, hex }: { id: number; hex: string }) => {
      this.waiting.get(id)?.resolve(hex);
      this.waiting.delete(id);
    });
    w.on('error', (err) => this.fail(err));
    w.on('exit', () => this.fail(new Error('the hashing thread stopped')));
    this.worker = w;
    return w;
  }

  private fail(err: Error): void {
    for (const p of this.waiting.values()) p.reject(err);
    this.waiting.clear();
    this.worker = null;
  }

  async close(): Promise<void> {
    const w = this.worker;
    this.worker = null;
    if (w) {
      w.removeAllListeners('exit');
      await w.terminate();
    }
  }
}

/** Reads a picture or chunk once, after fileSource's kind and size check (a FIFO or device is never opened). */
async function readMedia(file: string, kind: 'image' | 'audio'): Promise<Buffer> {
  await assertMediaFile(file, kind);
  try {
    return await readFile(file);
  } catch (err) {
    const e = toAvError(err);
    throw new AvError(e.kind, e.message, { file, cause: err });
  }
}

/**
 * The cheap picture check: sharp's header read (format and size, no pixel decode) plus the file's
 * end marker (JPEG EOI / PNG IEND), which a truncated file lacks. A file whose compressed data is
 * damaged in the middle passes here and is reported when its pixels are first decoded (features).
 */
async function checkPicture(bytes: Buffer, file: string): Promise<{ width: number; height: number }> {
  let meta: Metadata;
  try {
    meta = await sharp(bytes).metadata();
  } catch (err) {
    throw new AvError('corrupt_file', `unreadable picture (${(err as Error).message})`, { file, cause: err });
  }
  if (!meta.width || !meta.height) throw new AvError('corrupt_file', 'the picture has no size', { file });
  if (meta.format === 'jpeg' && !endsWithJpegEoi(bytes)) throw new AvError('truncated_file', 'the JPEG ends before its end-of-image marker', { file });
  if (meta.format === 'png' && !bytes.subarray(Math.max(0, bytes.length - 12)).includes(PNG_IEND)) throw new AvError('truncated_file', 'the PNG ends before its IEND chunk', { file });
  return { width: meta.width, height: meta.height };
}

const PNG_IEND = Buffer.from('IEND', 'latin1');

/** JPEG EOI (FF D9), allowing the zero / 0xFF padding some writers append. */
function endsWithJpegEoi(b: Uint8Array): boolean {
  let i = b.length - 1;
  while (i > 0 && b.length - i < 4096 && (b[i] === 0 || (b[i] === 0xff && b[i - 1] !== 0xff))) i--;
  return i > 0 && b[i] === 0xd9 && b[i - 1] === 0xff;
}

/**
 * Decodes the chunk in process (PCM / float WAV at any rate and channel count: every sample is read,
 * so a truncated or malformed file is caught) and returns its duration; only a WAV the parser does
 * not read (a compressed codec) goes to ffmpeg, one process for that file. No resampling here:
 * the duration does not need it, and features resample when they are computed.
 */
async function chunkDuration(bytes: Buffer, file: string): Promise<number> {
  if (bytes.length === 0) throw new AvError('empty_input', 'the file is empty (0 bytes)', { file });
  const wav = parseWav(bytes, file);
  if (wav) return wav.samples.length / wav.sampleRate;
  return (await decodeAudio(file, { forceFfmpeg: true })).durationSeconds;
}

/** Checks one picture + chunk and describes them as staged rows, or records why not (null). */
async function checkItem(it: ReleaseItem, skips: SkipReport, hasher: HashThread): Promise<StagedItem | null> {
  // each file read once; checked, then its bytes handed to the hashing thread
  const [img, wav] = await Promise.allSettled([
    readMedia(it.image, 'image').then(async (bytes) => {
      const size = await checkPicture(bytes, it.image);
      return { length: bytes.length, size, hash: await hasher.hash(bytes) };
    }),
    readMedia(it.chunk, 'audio').then(async (bytes) => {
      const durationS = await chunkDuration(bytes, it.chunk);
      return { length: bytes.length, durationS, hash: await hasher.hash(bytes) };
    }),
  ]);
  if (img.status === 'rejected') skips.addError(it.image, img.reason);
  if (wav.status === 'rejected') skips.addError(it.chunk, wav.reason);
  if (img.status === 'rejected' || wav.status === 'rejected') return null;
  const { durationS } = wav.value;
  if (durationS < MIN_CHUNK_SECONDS) {
    skips.add(it.chunk, `the chunk lasts ${durationS.toFixed(3)} s, shorter than a ${WINDOW_SECONDS} s window`);
    return null;
  }
  const image: StagedSource = { hash: img.value.hash, kind: 'image', path: resolve(it.image), originalName: basename(it.image), bytes: img.value.length, ...img.value.size };
  const audio: StagedSource = { hash: wav.value.hash, kind: 'audio', path: resolve(it.chunk), originalName: basename(it.chunk), bytes: wav.value.length, durationS };
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

/**
 * Runs `work` over `items` with at most `limit` in flight, handing results to `take` in item order
 * (a slow item holds back only the staging, not the other checks).
 */
async function orderedPool<T, R>(items: T[], limit: number, work: (it: T, i: number) => Promise<R>, take: (r: R, i: number) => void, signal?: AbortSignal): Promise<void> {
  const results = new Map<number, R>();
  let next = 0;
  let emitted = 0;
  let failure: unknown = null;
  await new Promise<void>((resolveAll) => {
    let active = 0;
    const pump = () => {
      while (emitted < items.length && results.has(emitted)) {
        const r = results.get(emitted)!;
        results.delete(emitted);
        try {
          take(r, emitted);
        } catch (err) {
          failure ??= err;
        }
        emitted++;
      }
      if (failure === null && signal?.aborted) {
        try {
          throwIfAborted(signal);
        } catch (err) {
          failure = err;
        }
      }
      while (failure === null && active < limit && next < items.length) {
        const i = next++;
        active++;
        work(items[i], i).then(
          (r) => {
            active--;
            results.set(i, r);
            pump();
          },
          (err: unknown) => {
            active--;
            failure ??= err;
            pump();
          },
        );
      }
      if (active === 0 && (failure !== null || emitted === items.length)) resolveAll();
    };
    pump();
  });
  if (failure !== null) throw failure;
}

/** Imports a Sub-URMP release folder as a dataset (kind 'sub-urmp'). */
export async function importSubUrmpRelease(cat: Catalog, dir: string, opts: SubUrmpImportOptions = {}): Promise<ImportResult> {
  const root = releaseRoot(dir);
  const skips = new SkipReport();
  const items = await scanRelease(root, skips);
  const name = opts.name ?? 'sub-urmp-release';
  return runImport(cat, { name, kind: 'sub-urmp', description: `Sub-URMP release at ${root}`, config: { root } }, skips, async (w) => {
    throwIfAborted(opts.signal);
    const hasher = new HashThread();
    try {
    // a bounded window of pairs in flight; rows are staged in file order so keys are stable
    await orderedPool(
      items,
      CONCURRENCY,
      async (it) => {
        const local = new SkipReport();
        return { checked: await checkItem(it, local, hasher), local };
      },
      ({ checked, local }, i) => {
        for (const e of local.entries) skips.add(e.file, e.reason);
        if (checked) {
          for (const src of checked.sources) w.source(src);
          w.pair(checked.pair);
        }
        if ((i + 1) % PROGRESS_EVERY === 0 || i + 1 === items.length) opts.onProgress?.({ done: i + 1, total: items.length });
      },
      opts.signal,
    );
    } finally {
      await hasher.close();
    }
    throwIfAborted(opts.signal);
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

/** Is this chunk already a release chunk (44.1 kHz mono 16-bit, exactly the window)? Then it is copied byte for byte. */
function copyableChunk(bytes: Buffer, pair: PairRow): boolean {
  if (pair.startS !== 0) return false;
  let wav: WavLayout | null;
  try {
    wav = readWavLayout(bytes); // the header only: a copy needs no decode
  } catch {
    return false; // rendering it reports the error with the file named
  }
  return !!wav && wav.sampleRate === SAMPLE_RATE && wav.channels === 1 && wav.bitsPerSample === 16 && wav.encoding === 'int' && Math.abs(wav.frames - Math.round(pair.durS * SAMPLE_RATE)) <= 1;
}

/** The names already given in one split/instrument folder, and the number given to each source track there. */
interface FolderNames {
  used: Set<string>;
  tracks: Map<string, number>;
}

/**
 * A pair's file stem in the release. A release pair keeps its own stem; a window cut from a track
 * is named as the release names chunks, `<instrument><track>_<ms>` — the track numbered within its
 * folder (01, 02, … in export order) and the window's start in ms — so that importing the export back
 * groups the pairs by their recording again (`recordingOf`) instead of making a "track" of each pair.
 */
function releaseName(pair: PairRow, folder: FolderNames): string {
  let name: string;
  // a release pair (picture and chunk share a stem, the window is the chunk) keeps its name
  if (pair.image && pair.startS === 0 && stem(basename(pair.image.name)) === stem(basename(pair.audio.name))) name = stem(basename(pair.image.name));
  else {
    const track = pair.groupKey || `audio:${pair.audio.id}`;
    if (!folder.tracks.has(track)) folder.tracks.set(track, folder.tracks.size + 1);
    name = `${folderForInstrument(pair.instrument)}${String(folder.tracks.get(track)).padStart(2, '0')}_${Math.round(pair.startS * 1000)}`;
  }
  // a clash (two windows at the same ms of one track, or two pictures with one stem) keeps the
  // recording part of the name: the suffix goes after the last '_'
  if (folder.used.has(name)) name = `${name}p${pair.id}`;
  folder.used.add(name);
  return name;
}

interface ExportJob {
  pair: PairRow;
  imgFile: string;
  chunkFile: string;
}

/** Pairs exported at once (groups of pairs that share an audio source run one after another). */
const EXPORT_CONCURRENCY = 8;

/**
 * Writes one pair: copies what is already in release form, renders the rest. The file operations
 * are synchronous system calls (a 44 KB chunk, a JPEG copied by the kernel: well under a
 * millisecond each in the page cache), as `cp` makes them: through the thread pool each was two
 * thread hand-offs, which on a busy machine cost more than the copy. Renders stay asynchronous.
 * Every source is checked by kind first (fileSource), so a FIFO put in a file's place never blocks.
 */
async function exportPair(cat: Catalog, job: ExportJob, cache: TrackCache): Promise<void> {
  const { pair } = job;
  const audioSrc = sourceOf(cat, pair.audio.id);
  // small sources may already be release chunks; whole tracks are never read for this check
  let audioBytes: Buffer | null = null;
  if (audioSrc.bytes <= COPY_CHECK_MAX_BYTES && assertMediaFileSync(audioSrc.path, 'audio').size <= COPY_CHECK_MAX_BYTES) audioBytes = readFileSync(audioSrc.path);
  const wav = audioBytes && copyableChunk(audioBytes, pair) ? audioBytes : encodeWav(await pairChunk(cat, pair, cache), SAMPLE_RATE);
  const imgSrc = pair.image ? sourceOf(cat, pair.image.id) : null;
  if (imgSrc && !pair.crop && /\.jpe?g$/i.test(imgSrc.path)) {
    // an uncropped JPEG is copied byte for byte (the kernel copies; nothing is decoded)
    assertMediaFileSync(imgSrc.path, 'image');
    const tmp = `${job.imgFile}.tmp-${process.pid}`;
    copyFileSync(imgSrc.path, tmp);
    renameSync(tmp, job.imgFile);
  } else {
    writeAtomicSync(job.imgFile, await pairPictureJpeg(cat, pair));
  }
  writeAtomicSync(job.chunkFile, wav);
}

function writeAtomicSync(file: string, data: Uint8Array): void {
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, data);
  renameSync(tmp, file);
}

/**
 * Writes the dataset's pairs as a Sub-URMP release under `out/Sub-URMP/`. Chunks already at 44.1 kHz
 * mono 16-bit whose window is the whole file, and uncropped JPEG pictures, are copied byte for
 * byte; everything else is rendered (resampled / cut / encoded). Names are assigned in pair order
 * first, then pairs are written EXPORT_CONCURRENCY at a time.
 */
export async function exportSubUrmp(cat: Catalog, datasetRef: number | string, out: string, opts: ExportOptions = {}): Promise<ExportResult> {
  const ds = getDataset(cat, datasetRef);
  const root = join(out, 'Sub-URMP');
  const stateSql = opts.acceptedOnly ? "state = 'accepted'" : "state != 'rejected'";
  const ids = (cat.db.prepare(`SELECT id FROM pairs WHERE dataset_id = ? AND ${stateSql} ORDER BY audio_source_id, start_s, id`).all(ds.id) as Array<{ id: number }>).map((r) => r.id);
  const used = new Map<string, FolderNames>();
  const skipped: ExportResult['skipped'] = [];
  // pass 1, in order: names and folders (deterministic), pairs grouped by audio source so a track is decoded once
  const groups: ExportJob[][] = [];
  let lastAudio = -1;
  for (const id of ids) {
    const pair = getPair(cat, id);
    if (!pair) continue;
    const dirKey = `${SPLIT_FOLDER[pair.split]}/${folderForInstrument(pair.instrument)}`;
    const imgDir = join(root, 'img', dirKey);
    const chunkDir = join(root, 'chunk', dirKey);
    if (!used.has(dirKey)) {
      used.set(dirKey, { used: new Set(), tracks: new Map() });
      await mkdir(imgDir, { recursive: true });
      await mkdir(chunkDir, { recursive: true });
    }
    const name = releaseName(pair, used.get(dirKey)!);
    const job = { pair, imgFile: join(imgDir, `${name}.jpg`), chunkFile: join(chunkDir, `${name}.wav`) };
    if (pair.audio.id === lastAudio) groups[groups.length - 1].push(job);
    else groups.push([job]);
    lastAudio = pair.audio.id;
  }
  let written = 0;
  let done = 0;
  // pass 2: groups in parallel, the pairs of one group in order with one track cache
  await orderedPool(
    groups,
    EXPORT_CONCURRENCY,
    async (group) => {
      const cache = new TrackCache();
      const results: Array<{ pairId: number; error: string | null }> = [];
      for (const job of group) {
        if (opts.signal?.aborted) throw new AvError('cancelled', 'the export was cancelled');
        try {
          await exportPair(cat, job, cache);
          results.push({ pairId: job.pair.id, error: null });
        } catch (err) {
          results.push({ pairId: job.pair.id, error: err instanceof Error ? err.message : String(err) });
        }
      }
      return results;
    },
    (results) => {
      for (const r of results) {
        if (r.error === null) written++;
        else skipped.push({ pairId: r.pairId, reason: r.error });
        done++;
      }
      opts.onProgress?.({ done, total: ids.length });
    },
  );
  return { out: root, written, skipped };
}
