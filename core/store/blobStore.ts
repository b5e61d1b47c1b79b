// Content-addressed files next to the catalog: blobs/<2 hex>/<sha256>[.ext]. Writes go to a
// temporary file first and are renamed into place, so a crash never leaves half a blob.
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync, rmSync } from 'node:fs';
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

export class BlobStore {
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
    if (!existsSync(target)) {
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

  /** The stored file for a hash whatever its extension, or null. */
  find(hash: string): string | null {
    if (!isBlobHash(hash)) return null;
    const dir = this.dirOf(hash);
    if (!existsSync(dir)) return null;
    const name = readdirSync(dir).find((f) => f === hash || (f.startsWith(`${hash}.`) && !f.endsWith('.tmp')));
    return name ? join(dir, name) : null;
  }

  read(hash: string): Buffer {
    const file = this.find(hash);
    if (!file) throw new AvError('not_found', `no stored file with hash ${hash}`);
    return readFileSync(file);
  }
}
