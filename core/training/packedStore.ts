// The packed store: a snapshot's training arrays packed once into flat files in the data directory,
// which a training worker reads in batches (positioned reads of the items a batch names) instead of
// holding every pair's arrays in memory (issue 15 item 4).
//
// Layout: <home>/packs/snapshot-<id>-<key>/ with
//   index.json            classes, and per split the pair ids and integer labels, in row order
//   <split>.lms.f32       normalised LMS (trainingData.normaliseLms), 128×44 float32 per pair
//   <split>.images.u8     64×64×3 RGB bytes per pair (→ [-1, 1] on read, as toSignedFloat)
//   <split>.sound-<rep>.f32  a Table 1 representation other than LMS, normalised, float32
// Every feature file starts with a 256-byte JSON header (format, version, key, dtype, n, shape),
// then n items, little-endian, no gaps. Files are written under a temporary name and renamed when
// complete, so a file that is there with the right header and size is whole; anything else is
// rebuilt. Only the features a run's model reads are built (a sound classifier packs no pictures);
// a later run on the same snapshot reuses them. The key covers the snapshot's content hash, the
// instrument filter, and the feature and pack versions.
//
// Row order is trainingData.loadSnapshotData's (pairs sorted by audio source, then window start,
// each split keeping that order), so shuffles by the run's seeded RNG pick the same pairs as before.
//
// LMS are stored as float32, not float16, by measurement: reading shuffled batches of 64 from a
// 20,000-item file took 46–62 µs per item as float32 and 99–150 µs as float16 converted through a
// lookup table (Node 20 has no Float16Array); float32 also returns exactly the arrays training read
// before. Disk (1.8 GB at 80,805 pairs) is not what bounds memory: positioned reads go through the
// page cache, which is not the process's RSS.
import { createHash } from 'node:crypto';
import { closeSync, existsSync, fstatSync, mkdirSync, openSync, readFileSync, readSync, renameSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { Catalog } from '../catalog/catalog';
import { getSource } from '../catalog/sourcesRepo';
import { FEATURE_VERSION, pairImageFeature, pairLmsFeature } from '../datasets/materialize';
import { pairChunk, TrackCache } from '../datasets/pairMedia';
import { snapshotPairs, type SnapshotPair } from '../datasets/snapshots';
import { AvError } from '../errors';
import { IMAGE_SIZE, LMS_SHAPE } from '../media/constants';
import { decodeRgb } from '../media/image';
import { computeRepresentation, type Representation } from '../media/representations';
import type { BlobStore } from '../store/blobStore';
import { asPairRow, normaliseLms, normaliseRepresentation } from './trainingData';

export const PACK_VERSION = 1;
export const PACK_HEADER_BYTES = 256;
const FORMAT = 'avstudio-pack';

export type PackFeature = 'lms' | 'images' | 'sound';
export type SplitName = 'train' | 'test';
export const SPLITS: readonly SplitName[] = ['train', 'test'];

/** What a run reads from the pack. `sound` is the run's representation (the LMS file when it is LMS). */
export interface PackNeeds {
  lms?: boolean;
  images?: boolean;
  sound?: boolean;
}

export interface PackHeader {
  format: string;
  version: number;
  key: string;
  feature: string;
  dtype: 'float32' | 'uint8';
  n: number;
  shape: number[];
}

export interface PackIndex {
  format: string;
  version: number;
  key: string;
  snapshotId: number;
  instrument: string | null;
  classes: string[];
  train: { pairIds: number[]; labels: number[] };
  test: { pairIds: number[]; labels: number[] };
}

const itemLength = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);
const bytesPer = (dtype: PackHeader['dtype']) => (dtype === 'float32' ? 4 : 1);

/** One packed feature file of a split, open for positioned reads. */
export class PackFile {
  readonly itemLength: number;
  readonly itemBytes: number;
  private fd: number | null;

  constructor(readonly path: string, readonly header: PackHeader) {
    this.itemLength = itemLength(header.shape);
    this.itemBytes = this.itemLength * bytesPer(header.dtype);
    this.fd = openSync(path, 'r');
  }

  get n(): number {
    return this.header.n;
  }

  /** Reads the items at `indices` (in that order) into `out` (bytes), coalescing consecutive runs. */
  readInto(indices: readonly number[], out: Uint8Array): void {
    if (this.fd === null) throw new AvError('internal', `pack file ${this.path} is closed`);
    const b = this.itemBytes;
    for (let i = 0; i < indices.length; ) {
      const first = indices[i];
      if (!Number.isInteger(first) || first < 0 || first >= this.header.n) throw new RangeError(`item ${first} outside the ${this.header.n} items of ${this.path}`);
      let run = 1;
      while (i + run < indices.length && indices[i + run] === first + run && first + run < this.header.n) run++;
      const want = run * b;
      let got = 0;
      while (got < want) {
        const r = readSync(this.fd, out, i * b + got, want - got, PACK_HEADER_BYTES + first * b + got);
        if (r <= 0) throw new AvError('truncated_file', `pack file ${this.path} ended early (item ${first})`, { file: this.path });
        got += r;
      }
      i += run;
    }
  }

  /** float32 items as one array per item (views into one buffer). */
  readFloat32(indices: readonly number[]): Float32Array[] {
    if (this.header.dtype !== 'float32') throw new AvError('internal', `${this.path} holds ${this.header.dtype}, not float32`);
    const all = new Float32Array(indices.length * this.itemLength);
    this.readInto(indices, new Uint8Array(all.buffer));
    return indices.map((_, k) => all.subarray(k * this.itemLength, (k + 1) * this.itemLength));
  }

  /** uint8 RGB items as [-1, 1] float32 (x / 127.5 − 1, as toSignedFloat), one array per item. */
  readSignedFloat(indices: readonly number[]): Float32Array[] {
    if (this.header.dtype !== 'uint8') throw new AvError('internal', `${this.path} holds ${this.header.dtype}, not uint8`);
    const bytes = new Uint8Array(indices.length * this.itemLength);
    this.readInto(indices, bytes);
    const all = new Float32Array(bytes.length);
    for (let i = 0; i < bytes.length; i++) all[i] = bytes[i] / 127.5 - 1;
    return indices.map((_, k) => all.subarray(k * this.itemLength, (k + 1) * this.itemLength));
  }

  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }
}

/** One split of a packed snapshot: labels in memory, arrays read in batches. */
export interface PackedSplit {
  readonly pairIds: number[];
  readonly labels: number[];
  /** normalised LMS (128×44 each) of the items at `indices` */
  lms(indices: readonly number[]): Float32Array[];
  /** 64×64×3 pictures in [-1, 1] (HWC) of the items at `indices` */
  images(indices: readonly number[]): Float32Array[];
  /** the sound classifier's representation (`PackedData.soundShape` each) of the items at `indices` */
  sound(indices: readonly number[]): Float32Array[];
}

/** A run's training data, packed: the same fields as TrainingData with batch readers per split. */
export interface PackedData {
  dir: string;
  classes: string[];
  representation: Representation;
  soundShape: readonly [number, number];
  train: PackedSplit;
  test: PackedSplit;
  close(): void;
}

/** [start, start + size) as an index list. */
export function range(start: number, size: number): number[] {
  return Array.from({ length: size }, (_, i) => start + i);
}

/** Reads a feature file's header; null when it is missing, truncated, of another key or malformed. */
export function readPackHeader(path: string, key: string): PackHeader | null {
  if (!existsSync(path)) return null;
  let fd: number | null = null;
  try {
    fd = openSync(path, 'r');
    const buf = Buffer.alloc(PACK_HEADER_BYTES);
    if (readSync(fd, buf, 0, PACK_HEADER_BYTES, 0) !== PACK_HEADER_BYTES) return null;
    const h = JSON.parse(buf.toString('utf8').replace(/[\s\0]+$/, '')) as PackHeader;
    if (h.format !== FORMAT || h.version !== PACK_VERSION || h.key !== key) return null;
    if (!Number.isInteger(h.n) || h.n < 0 || !Array.isArray(h.shape) || (h.dtype !== 'float32' && h.dtype !== 'uint8')) return null;
    if (fstatSync(fd).size !== PACK_HEADER_BYTES + h.n * itemLength(h.shape) * bytesPer(h.dtype)) return null;
    return h;
  } catch {
    return null;
  } finally {
    if (fd !== null) closeSync(fd);
  }
}

/** Streams items into `<path>.tmp-<pid>`, then writes the header and renames it to `path`. */
export class PackWriter {
  private readonly tmp: string;
  private readonly fd: number;
  private buf: Buffer;
  private used = 0;
  private offset = PACK_HEADER_BYTES;
  private n = 0;
  private shape: number[] | null;

  constructor(readonly path: string, private readonly key: string, private readonly feature: string, private readonly dtype: PackHeader['dtype'], shape: readonly number[] | null, bufferBytes = 1 << 20) {
    this.tmp = `${path}.tmp-${process.pid}`;
    this.fd = openSync(this.tmp, 'w');
    this.buf = Buffer.alloc(bufferBytes);
    this.shape = shape ? [...shape] : null;
  }

  /** Appends one item (its shape fixed by the first item when not given). */
  append(item: Float32Array | Uint8Array, shape: readonly number[]): void {
    if (!this.shape) this.shape = [...shape];
    if (itemLength(shape) !== itemLength(this.shape) || item.length !== itemLength(this.shape)) {
      throw new AvError('internal', `pack ${this.feature}: item of shape ${shape.join('×')} where ${this.shape.join('×')} was expected`);
    }
    const bytes = Buffer.from(item.buffer, item.byteOffset, item.byteLength);
    if (this.used + bytes.length > this.buf.length) this.flush();
    if (bytes.length > this.buf.length) {
      writeSync(this.fd, bytes, 0, bytes.length, this.offset);
      this.offset += bytes.length;
    } else {
      bytes.copy(this.buf, this.used);
      this.used += bytes.length;
    }
    this.n++;
  }

  private flush(): void {
    let done = 0;
    while (done < this.used) done += writeSync(this.fd, this.buf, done, this.used - done, this.offset + done);
    this.offset += this.used;
    this.used = 0;
  }

  /** Completes the file: header, close, rename. */
  finish(): PackHeader {
    this.flush();
    const header: PackHeader = { format: FORMAT, version: PACK_VERSION, key: this.key, feature: this.feature, dtype: this.dtype, n: this.n, shape: this.shape ?? [0] };
    const text = Buffer.alloc(PACK_HEADER_BYTES, 0x20);
    const json = Buffer.from(JSON.stringify(header));
    if (json.length > PACK_HEADER_BYTES) throw new AvError('internal', 'pack header too long');
    json.copy(text);
    writeSync(this.fd, text, 0, PACK_HEADER_BYTES, 0);
    closeSync(this.fd);
    renameSync(this.tmp, this.path);
    return header;
  }

  abort(): void {
    try {
      closeSync(this.fd);
    } catch {
      // already closed
    }
    rmSync(this.tmp, { force: true });
  }
}

/** The feature file name of a split. */
export function packFileName(split: SplitName, feature: PackFeature, representation: Representation): string {
  if (feature === 'images') return `${split}.images.u8`;
  if (feature === 'lms' || representation === 'lms') return `${split}.lms.f32`;
  return `${split}.sound-${representation}.f32`;
}

export interface PackContext {
  catalog: Catalog;
  blobs: BlobStore;
  /** the studio's data directory; packs go to <root>/packs */
  root: string;
}

export interface OpenPackOptions {
  instrument?: string | null;
  representation?: Representation;
  needs: PackNeeds;
  onProgress?: (done: number, total: number) => void;
}

export interface PackPlan {
  dir: string;
  key: string;
  /** what index.json holds, exactly */
  index: PackIndex;
  /** the snapshot's pairs (filtered) in pack row order */
  rows: SnapshotPair[];
}

/** Where a snapshot's pack lives and what its index holds (nothing is read from or written to disk). */
export function planPack(cat: Catalog, root: string, snapshotId: number, instrument: string | null = null): PackPlan {
  const snap = cat.db.prepare('SELECT content_hash FROM snapshots WHERE id = ?').get(snapshotId) as { content_hash: string } | undefined;
  if (!snap) throw new AvError('not_found', `no snapshot ${snapshotId}`);
  let rows = snapshotPairs(cat, snapshotId);
  if (instrument) rows = rows.filter((r) => r.instrument === instrument);
  if (rows.length === 0) throw new AvError('empty_input', `snapshot ${snapshotId} has no pairs${instrument ? ` of ${instrument}` : ''} to train on`);
  const classes = [...new Set(rows.map((r) => r.instrument))].sort();
  // loadSnapshotData's order: same track together, so each track is decoded once when computing
  rows.sort((a, b) => a.audioSourceId - b.audioSourceId || a.startS - b.startS);
  const key = createHash('sha256')
    .update(JSON.stringify({ v: PACK_VERSION, f: FEATURE_VERSION, content: snap.content_hash, snapshotId, instrument }))
    .digest('hex')
    .slice(0, 16);
  const index: PackIndex = {
    format: FORMAT,
    version: PACK_VERSION,
    key,
    snapshotId,
    instrument,
    classes,
    train: { pairIds: [], labels: [] },
    test: { pairIds: [], labels: [] },
  };
  for (const r of rows) {
    index[r.split].pairIds.push(r.pairId);
    index[r.split].labels.push(classes.indexOf(r.instrument));
  }
  return { dir: join(root, 'packs', `snapshot-${snapshotId}-${key}`), key, index, rows };
}

/**
 * Opens the snapshot's pack, building what is missing first (features from the cache through
 * materialize's pairLmsFeature / pairImageFeature, computed there when missing).
 */
export async function openSnapshotPack(ctx: PackContext, snapshotId: number, datasetId: number, opts: OpenPackOptions): Promise<PackedData> {
  const representation = opts.representation ?? 'lms';
  const { dir, key, index, rows } = planPack(ctx.catalog, ctx.root, snapshotId, opts.instrument ?? null);
  const classes = index.classes;
  mkdirSync(dir, { recursive: true });
  const indexPath = join(dir, 'index.json');
  const indexText = JSON.stringify(index);
  let existing: string | null;
  try {
    existing = existsSync(indexPath) ? readFileSync(indexPath, 'utf8') : null;
  } catch {
    existing = null;
  }
  if (existing !== indexText) {
    // a different or damaged index: nothing in the directory can be trusted (a missing one is only
    // written: another worker may be building this pack right now, its files checked by their headers)
    if (existing !== null) {
      rmSync(dir, { recursive: true, force: true });
      mkdirSync(dir, { recursive: true });
    }
    const tmp = `${indexPath}.tmp-${process.pid}`;
    writeFileSync(tmp, indexText);
    renameSync(tmp, indexPath);
  }

  const features: PackFeature[] = [];
  if (opts.needs.lms || (opts.needs.sound && representation === 'lms')) features.push('lms');
  if (opts.needs.images) features.push('images');
  if (opts.needs.sound && representation !== 'lms') features.push('sound');

  const headers = new Map<string, PackHeader>();
  const missing: Array<{ split: SplitName; feature: PackFeature }> = [];
  for (const split of SPLITS) {
    for (const feature of features) {
      const h = readPackHeader(join(dir, packFileName(split, feature, representation)), key);
      if (h && h.n === index[split].pairIds.length) headers.set(`${split}.${feature}`, h);
      else missing.push({ split, feature });
    }
  }
  if (missing.length) await buildPack(ctx, dir, key, rows, datasetId, representation, missing, opts.onProgress);
  else opts.onProgress?.(rows.length, rows.length);

  const files = new Map<string, PackFile>();
  const fileOf = (split: SplitName, feature: PackFeature): PackFile => {
    const name = `${split}.${feature === 'sound' && representation === 'lms' ? 'lms' : feature}`;
    if (!features.includes(feature === 'sound' && representation === 'lms' ? 'lms' : feature)) {
      throw new AvError('internal', `this run's pack holds no ${feature} (it packed ${features.join(', ')})`);
    }
    let f = files.get(name);
    if (!f) {
      const path = join(dir, packFileName(split, feature, representation));
      const h = readPackHeader(path, key);
      if (!h || h.n !== index[split].pairIds.length) throw new AvError('corrupt_file', `pack file ${path} is incomplete or damaged`, { file: path });
      f = new PackFile(path, h);
      files.set(name, f);
    }
    return f;
  };
  const splitOf = (split: SplitName): PackedSplit => ({
    pairIds: index[split].pairIds,
    labels: index[split].labels,
    lms: (idx) => (idx.length ? fileOf(split, 'lms').readFloat32(idx) : []),
    images: (idx) => (idx.length ? fileOf(split, 'images').readSignedFloat(idx) : []),
    sound: (idx) => (idx.length ? fileOf(split, 'sound').readFloat32(idx) : []),
  });
  let soundShape: readonly [number, number] = LMS_SHAPE;
  if (features.includes('sound')) {
    const h = readPackHeader(join(dir, packFileName(index.train.pairIds.length ? 'train' : 'test', 'sound', representation)), key);
    if (h) soundShape = [h.shape[0], h.shape[1]];
  }
  return {
    dir,
    classes,
    representation,
    soundShape,
    train: splitOf('train'),
    test: splitOf('test'),
    close: () => files.forEach((f) => f.close()),
  };
}

async function buildPack(
  ctx: PackContext,
  dir: string,
  key: string,
  rows: SnapshotPair[],
  datasetId: number,
  representation: Representation,
  missing: Array<{ split: SplitName; feature: PackFeature }>,
  onProgress?: (done: number, total: number) => void,
): Promise<void> {
  const cat = ctx.catalog;
  const writers = new Map<string, PackWriter>();
  for (const { split, feature } of missing) {
    const path = join(dir, packFileName(split, feature, representation));
    const w =
      feature === 'images'
        ? new PackWriter(path, key, 'images', 'uint8', [IMAGE_SIZE, IMAGE_SIZE, 3])
        : feature === 'lms'
          ? new PackWriter(path, key, 'lms', 'float32', LMS_SHAPE)
          : new PackWriter(path, key, `sound-${representation}`, 'float32', null);
    writers.set(`${split}.${feature}`, w);
  }
  const tracks = new TrackCache();
  try {
    for (const [i, r] of rows.entries()) {
      const lmsW = writers.get(`${r.split}.lms`);
      const imgW = writers.get(`${r.split}.images`);
      const soundW = writers.get(`${r.split}.sound`);
      if (lmsW || imgW || soundW) {
        const pair = asPairRow(cat, r, datasetId);
        if (lmsW) {
          const { lms } = await pairLmsFeature(cat, ctx.blobs, pair, tracks);
          lmsW.append(normaliseLms(lms.data), LMS_SHAPE);
        }
        if (soundW) {
          const file = getSource(cat, r.audioSourceId)?.path;
          const m = computeRepresentation(representation, await pairChunk(cat, pair, tracks), file);
          soundW.append(normaliseRepresentation(representation, m.data), m.shape);
        }
        if (imgW) {
          const img = await pairImageFeature(cat, ctx.blobs, pair);
          const image = img.image ?? (await decodeRgb(ctx.blobs.read(img.hash)));
          imgW.append(image.data, [IMAGE_SIZE, IMAGE_SIZE, 3]);
        }
      }
      onProgress?.(i + 1, rows.length);
    }
    for (const w of writers.values()) w.finish();
  } catch (err) {
    for (const w of writers.values()) w.abort();
    throw err;
  }
}

/** What a model reads: a sound classifier its representation, Γ the pictures, the autoencoder LMS; GAN-CLS both modalities (one conditions through its encoder, the other is generated). */
export function packNeedsFor(model: string): PackNeeds {
  if (model === 'sound-clf') return { sound: true };
  if (model === 'image-clf') return { images: true };
  if (model === 'autoencoder') return { lms: true };
  return { lms: true, images: true };
}
