// A media file as a catalog source: its content hash, size and absolute path (files stay where they
// are; the catalog references them by hash, so the same file is one source whatever its name).
//
// Before anything reads a file it is checked by kind: only a regular file (a symlink to one is fine)
// of a sane size is media. A device (/dev/zero, /dev/urandom), a FIFO, a socket or a folder would
// make a reader block or read without end, so they are refused by `stat` alone, never opened.
import { statSync, type Stats } from 'node:fs';
import { mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import type { SourceKind } from '../catalog/sourcesRepo';
import { AvError, toAvError } from '../errors';
import { sha256, sha256File } from '../store/blobStore';
import type { StagedSource } from './importWriter';

/** Files up to this size are read whole (hash + decode check from one read); larger ones are streamed. */
const READ_WHOLE_BYTES = 32 * 1024 * 1024;

/**
 * The largest file the studio takes per kind: far above any real dataset's files (URMP's videos are
 * a few hundred MB, its WAVs tens of MB), far below what would exhaust memory or time.
 * `AVSTUDIO_MAX_MEDIA_BYTES` overrides all three.
 */
export const MAX_MEDIA_BYTES: Record<SourceKind | 'manifest', number> = {
  image: 256 * 1024 * 1024,
  audio: 4 * 1024 * 1024 * 1024,
  video: 16 * 1024 * 1024 * 1024,
  manifest: 256 * 1024 * 1024,
};

function limitFor(kind: SourceKind | 'manifest'): number {
  const env = Number(process.env.AVSTUDIO_MAX_MEDIA_BYTES);
  return Number.isFinite(env) && env > 0 ? env : MAX_MEDIA_BYTES[kind];
}

function kindOf(st: Stats): string {
  if (st.isDirectory()) return 'a folder';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isFIFO()) return 'a named pipe (FIFO)';
  if (st.isSocket()) return 'a socket';
  return 'not a regular file';
}

function checkStats(path: string, st: Stats, kind: SourceKind | 'manifest'): void {
  if (!st.isFile()) throw new AvError('unsupported', `${kindOf(st)}, not a ${kind} file: refused without reading it`, { file: path });
  const limit = limitFor(kind);
  if (st.size > limit) throw new AvError('unsupported', `${(st.size / 2 ** 20).toFixed(0)} MiB is larger than the ${(limit / 2 ** 20).toFixed(0)} MiB the studio takes for a ${kind} file`, { file: path });
}

/** Throws a typed error (naming the file) unless `file` is a regular file of a usable size. Reads nothing. */
export async function assertMediaFile(file: string, kind: SourceKind | 'manifest'): Promise<Stats> {
  const path = resolve(file);
  let st: Stats;
  try {
    st = await stat(path);
  } catch (err) {
    const e = toAvError(err);
    throw new AvError(e.kind, e.kind === 'bad_request' ? `not a usable path (${e.message})` : e.message.replace(`${path}: `, ''), { file: path, cause: err });
  }
  checkStats(path, st, kind);
  return st;
}

/** assertMediaFile, synchronously. */
export function assertMediaFileSync(file: string, kind: SourceKind | 'manifest'): Stats {
  const path = resolve(file);
  let st: Stats;
  try {
    st = statSync(path);
  } catch (err) {
    const e = toAvError(err);
    throw new AvError(e.kind, e.kind === 'bad_request' ? `not a usable path (${e.message})` : e.message.replace(`${path}: `, ''), { file: path, cause: err });
  }
  checkStats(path, st, kind);
  return st;
}

export async function describeFile(file: string, kind: SourceKind, extra: Partial<StagedSource> = {}): Promise<StagedSource> {
  const path = resolve(file);
  const st = await assertMediaFile(path, kind);
  const hash = st.size <= READ_WHOLE_BYTES ? sha256(await readFile(path)) : await sha256File(path);
  return { hash, kind, path, originalName: basename(path), bytes: st.size, ...extra };
}

/** Same as describeFile when the bytes are already in memory. */
export function describeBytes(file: string, bytes: Buffer, kind: SourceKind, extra: Partial<StagedSource> = {}): StagedSource {
  const path = resolve(file);
  return { hash: sha256(bytes), kind, path, originalName: basename(path), bytes: bytes.length, ...extra };
}

/**
 * Makes `dir` (and its missing parents) a folder the studio can write in, or throws a typed error
 * naming the path: `conflict` when it or a parent is a file, `io` when it cannot be created or
 * written (a pseudo file system such as /proc, a read-only mount, a full disk). Folders are created
 * one level at a time: a recursive mkdir under /proc never returns.
 */
export async function ensureWritableFolder(dir: string): Promise<string> {
  const path = resolve(dir);
  const missing: string[] = [];
  for (let cur = path; ; ) {
    let st: Stats | null = null;
    try {
      st = await stat(cur);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      // ENOTDIR: a parent is a file; walking up finds it and names it
      if (code !== 'ENOENT' && code !== 'ENOTDIR') {
        const e = toAvError(err);
        throw new AvError(e.kind === 'not_found' ? 'conflict' : e.kind, `cannot use this output folder (${(err as Error).message})`, { file: cur, cause: err });
      }
    }
    if (st) {
      if (!st.isDirectory()) throw new AvError('conflict', `${cur === path ? 'the output' : 'a part of the output path'} is an existing file, not a folder`, { file: cur });
      break;
    }
    missing.unshift(cur);
    const parent = dirname(cur);
    if (parent === cur) break;
    cur = parent;
  }
  for (const m of missing) {
    try {
      await mkdir(m);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST' && (await stat(m)).isDirectory()) continue;
      throw new AvError('io', `cannot create the output folder here (${(err as Error).message})`, { file: m, cause: err });
    }
  }
  const probe = join(path, `.avstudio-write-check-${process.pid}`);
  try {
    await writeFile(probe, '');
  } catch (err) {
    throw new AvError('io', `cannot write in the output folder (${(err as Error).message})`, { file: path, cause: err });
  } finally {
    await rm(probe, { force: true }).catch(() => undefined);
  }
  return path;
}

/**
 * A folder's entry names, split into those that are valid UTF-8 (usable as paths everywhere) and
 * those that are not: a name that is not UTF-8 comes back from a string readdir garbled (U+FFFD),
 * a path that does not exist, so its file would fail later as "no such file" under a name nobody
 * has. Callers report `undecodable` (shown name + the raw bytes in hex) instead.
 */
export async function readDirNames(dir: string): Promise<{ names: string[]; undecodable: Array<{ shown: string; hex: string }> }> {
  const names: string[] = [];
  const undecodable: Array<{ shown: string; hex: string }> = [];
  for (const raw of await readdir(dir, { encoding: 'buffer' })) {
    const name = raw.toString('utf8');
    if (Buffer.from(name, 'utf8').equals(raw)) names.push(name);
    else undecodable.push({ shown: name, hex: raw.toString('hex') });
  }
  return { names, undecodable };
}

/** The skip reason for a name readDirNames could not decode. */
export const undecodableReason = (hex: string): string => `the file name is not valid UTF-8 (bytes ${hex}): rename it (UTF-8) to import it`;
