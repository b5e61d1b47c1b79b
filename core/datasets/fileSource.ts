// A media file as a catalog source: its content hash, size and absolute path (files stay where they
// are; the catalog references them by hash, so the same file is one source whatever its name).
import { readFile, stat } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import type { SourceKind } from '../catalog/sourcesRepo';
import { sha256, sha256File } from '../store/blobStore';
import type { StagedSource } from './importWriter';

/** Files up to this size are read whole (hash + decode check from one read); larger ones are streamed. */
const READ_WHOLE_BYTES = 32 * 1024 * 1024;

export async function describeFile(file: string, kind: SourceKind, extra: Partial<StagedSource> = {}): Promise<StagedSource> {
  const path = resolve(file);
  const st = await stat(path);
  const hash = st.size <= READ_WHOLE_BYTES ? sha256(await readFile(path)) : await sha256File(path);
  return { hash, kind, path, originalName: basename(path), bytes: st.size, ...extra };
}

/** Same as describeFile when the bytes are already in memory. */
export function describeBytes(file: string, bytes: Buffer, kind: SourceKind, extra: Partial<StagedSource> = {}): StagedSource {
  const path = resolve(file);
  return { hash: sha256(bytes), kind, path, originalName: basename(path), bytes: bytes.length, ...extra };
}
