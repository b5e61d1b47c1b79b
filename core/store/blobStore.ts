// Content-addressed files next to the catalog: blobs/<2 hex>/<sha256>[.ext]. Writes go to a
// temporary file first and are renamed into place, so a crash never leaves half a blob.
//
// The store trusts nothing it finds on disk: only regular files count (a blob replaced by a symlink,
// a device or a folder is not a blob: it is skipped, and overwritten by the next put), and a blob's
// content is checked against its name before it is handed out (once per file state per process, so
// a file edited in place is checked again).
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, lstatSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync, rmSync, type Stats } from 'node:fs';
import { join } from 'node:path';
import { AvError } from '../errors';

const HASH_RE = /^[0-9a-f]{64}$/;

export function sha256(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

export function sha256File(file: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const h = createHash('sha256');
    createReadStream(file)
      .on('data', (c) => h.update(c))
      .on('error', reject)
      .on('end', () => resolve(h.digest('hex')));
  });
}

export function isBlobHash(s: string): boolean {
  return HASH_RE.test(s);
}

function regularFile(file: string): Stats | null {
  try {
    const st = lstatSync(file);
    return st.isFile() ? st : null;
  } catch {
    return null;
  }
}

const stateKey = (st: Stats): string => `${st.dev}:${st.ino}:${st.size}:${st.mtimeMs}`;

export class BlobStore {
  /** file → the lstat state whose content matched its hash */
  private readonly verifiedState = new Map<string, string>();

  constructor(readonly root: string) {
    mkdirSync(root, { recursive: true });
  }

  private dirOf(hash: string): string {
    return join(this.root, hash.slice(0, 2));
  }

  /** Stores bytes under their hash (idempotent); ext is kept so files open in other tools. */
  put(data: Uint8Array, ext = ''): string {
    const hash = sha256(data);
    const target = this.pathFor(hash, ext);
    if (!this.verify(hash, target)) {
      mkdirSync(this.dirOf(hash), { recursive: true });
      const tmp = `${target}.${randomBytes(6).toString('hex')}.tmp`;
      try {
        writeFileSync(tmp, data);
        renameSync(tmp, target);
      } catch (err) {
        rmSync(tmp, { force: true });
        throw err;
      }
    }
    return hash;
  }

  pathFor(hash: string, ext = ''): string {
    if (!isBlobHash(hash)) throw new AvError('bad_request', `not a blob hash: ${hash}`);
    return join(this.dirOf(hash), ext ? `${hash}.${ext.replace(/^\./, '')}` : hash);
  }

  /**
   * The stored file for a hash whatever its extension, or null: a regular file (not a symlink)
   * whose content has that hash.
   */
  find(hash: string): string | null {
    if (!isBlobHash(hash)) return null;
    const dir = this.dirOf(hash);
    let names: string[];
    try {
      if (!lstatSync(dir).isDirectory()) return null;
      names = readdirSync(dir);
    } catch {
      return null;
    }
    for (const name of names) {
      if (!(name === hash || (name.startsWith(`${hash}.`) && !name.endsWith('.tmp')))) continue;
      const file = join(dir, name);
      if (this.verify(hash, file)) return file;
    }
    return null;
  }

  /** Is `file` a regular file whose bytes hash to `hash`? (cached per file state) */
  private verify(hash: string, file: string): boolean {
    const st = regularFile(file);
    if (!st) return false;
    const key = stateKey(st);
    if (this.verifiedState.get(file) === key) return true;
    let ok: boolean;
    try {
      ok = sha256(readFileSync(file)) === hash;
    } catch {
      ok = false;
    }
    if (ok) this.verifiedState.set(file, key);
    else this.verifiedState.delete(file);
    return ok;
  }

  read(hash: string): Buffer {
    const file = this.find(hash);
    if (!file) throw new AvError('not_found', `no stored file with hash ${hash} (missing, not a regular file, or its content does not match)`);
    const data = readFileSync(file);
    if (sha256(data) !== hash) throw new AvError('corrupt_file', `the stored file does not match its hash ${hash}`, { file });
    return data;
  }
}
