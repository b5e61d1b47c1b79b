// A server-side folder browser for the import wizard in a web browser (issue 18): lists one folder
// at a time, only inside the browsable roots (the user's home plus roots the server was started
// with, AVSTUDIO_BROWSE_ROOTS, separated by the platform's path delimiter). Paths are resolved with
// realpath before the check, so a symlink cannot lead outside the roots; symlinked entries whose
// target lies outside are listed as such and cannot be opened. Every refusal is a typed AvError
// naming the path.
import { readdirSync, realpathSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { AvError } from '../errors';

export interface DirEntry {
  name: string;
  kind: 'dir' | 'file' | 'outside';
  bytes?: number;
}

export interface DirListing {
  path: string;
  parent: string | null;
  roots: string[];
  entries: DirEntry[];
  /** Entries beyond the listing limit that were left out. */
  truncated: number;
}

/** At most this many entries per folder are returned (folders first). */
export const DIR_LIST_LIMIT = 2000;

export function browseRoots(env: NodeJS.ProcessEnv = process.env): string[] {
  const extra = (env.AVSTUDIO_BROWSE_ROOTS ?? '').split(delimiter).filter((p) => p.trim() !== '' && isAbsolute(p));
  const out: string[] = [];
  for (const r of [homedir(), ...extra]) {
    try {
      const real = realpathSync(r);
      if (statSync(real).isDirectory() && !out.includes(real)) out.push(real);
    } catch {
      // a configured root that does not exist is simply not offered
    }
  }
  return out;
}

const inside = (root: string, p: string) => {
  const rel = relative(root, p);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
};

export function listDirectory(path: string | undefined, roots: readonly string[] = browseRoots()): DirListing {
  if (!roots.length) throw new AvError('not_found', 'no folder may be browsed on this machine (no home folder, no AVSTUDIO_BROWSE_ROOTS)');
  const asked = path === undefined || path.trim() === '' ? roots[0] : path;
  if (!isAbsolute(asked)) throw new AvError('bad_request', `not an absolute path: ${asked}`, { file: asked });
  let real: string;
  try {
    real = realpathSync(resolve(asked));
  } catch {
    throw new AvError('not_found', `no folder ${asked}`, { file: asked });
  }
  const root = roots.find((r) => inside(r, real));
  if (!root) throw new AvError('bad_request', `${asked} is outside the folders that may be browsed (${roots.join(', ')})`, { file: asked });
  if (!statSync(real).isDirectory()) throw new AvError('bad_request', `not a folder: ${asked}`, { file: asked });
  let names: string[];
  try {
    names = readdirSync(real);
  } catch (err) {
    throw new AvError('io', `cannot read the folder ${real}: ${(err as Error).message}`, { file: real, cause: err });
  }
  const entries: DirEntry[] = [];
  for (const name of names) {
    if (name.startsWith('.')) continue;
    const full = join(real, name);
    try {
      const target = realpathSync(full);
      const st = statSync(target);
      if (!roots.some((r) => inside(r, target))) entries.push({ name, kind: 'outside' });
      else if (st.isDirectory()) entries.push({ name, kind: 'dir' });
      else if (st.isFile()) entries.push({ name, kind: 'file', bytes: st.size });
    } catch {
      // dangling links and unreadable entries are left out
    }
  }
  const order = { dir: 0, file: 1, outside: 2 };
  entries.sort((a, b) => order[a.kind] - order[b.kind] || a.name.localeCompare(b.name));
  return {
    path: real,
    parent: real === root ? null : dirname(real),
    roots: [...roots],
    entries: entries.slice(0, DIR_LIST_LIMIT),
    truncated: Math.max(0, entries.length - DIR_LIST_LIMIT),
  };
}
