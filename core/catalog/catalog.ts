// The experiment catalog: one SQLite file in WAL mode (better-sqlite3). Opening it checks, before
// anything is written, that it is a SQLite database this studio understands: a corrupt file or one
// written by a newer studio is refused and left exactly as it was. Older ones are migrated.
import Database from 'better-sqlite3';
import { closeSync, existsSync, openSync, readSync, statSync } from 'node:fs';
import { AvError } from '../errors';
import { MIGRATIONS, type Migration } from './migrations';

const SQLITE_HEADER = 'SQLite format 3\u0000';

/**
 * Inside Electron, better-sqlite3 must be the build made against Electron's headers (`npm start`
 * makes it in .electron-native/ and passes its path here), while Node keeps the one in node_modules.
 */
function nativeOptions(): { nativeBinding?: string } {
  const binding = process.env.AVSTUDIO_SQLITE_BINDING;
  return binding ? { nativeBinding: binding } : {};
}

export type Db = Database.Database;

export class Catalog {
  readonly db: Db;
  readonly file: string;

  constructor(db: Db, file: string) {
    this.db = db;
    this.file = file;
  }

  /** Runs fn in one transaction: every row it writes lands, or none does. */
  tx<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }

  get schemaVersion(): number {
    return this.db.pragma('user_version', { simple: true }) as number;
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}

function readHeader(file: string): string {
  const fd = openSync(file, 'r');
  try {
    const buf = Buffer.alloc(16);
    const n = readSync(fd, buf, 0, 16, 0);
    return buf.subarray(0, n).toString('latin1');
  } finally {
    closeSync(fd);
  }
}

/** Checks an existing catalog file read-only; throws catalog_corrupt / catalog_newer. */
function inspectExisting(file: string, latest: number): number {
  if (statSync(file).size === 0) return 0;
  if (readHeader(file) !== SQLITE_HEADER) {
    throw new AvError('catalog_corrupt', 'not an AV Studio catalog: the file is not a SQLite database (left untouched)', { file });
  }
  let probe: Db | undefined;
  try {
    probe = new Database(file, { readonly: true, fileMustExist: true, ...nativeOptions() });
    const check = probe.pragma('quick_check', { simple: true });
    if (check !== 'ok') throw new Error(String(check));
    const version = probe.pragma('user_version', { simple: true }) as number;
    if (version > latest) {
      throw new AvError('catalog_newer', `written by a newer AV Studio (schema ${version}, this one knows up to ${latest}); update the studio to open it (left untouched)`, { file });
    }
    return version;
  } catch (err) {
    if (err instanceof AvError) throw err;
    throw new AvError('catalog_corrupt', `the catalog is damaged (${(err as Error).message}); it was left untouched`, { file, cause: err });
  } finally {
    probe?.close();
  }
}

export function migrate(db: Db, migrations: readonly Migration[] = MIGRATIONS): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  for (const m of migrations) {
    if (m.version <= current) continue;
    db.transaction(() => {
      db.exec(m.sql);
      db.pragma(`user_version = ${m.version}`);
    })();
  }
}

/**
 * Opens (creating or migrating as needed) the catalog at `file`. `migrations` is for tests that
 * build an old catalog; the studio always passes the full list.
 */
export function openCatalog(file: string, migrations: readonly Migration[] = MIGRATIONS): Catalog {
  const latest = migrations.length;
  if (existsSync(file)) inspectExisting(file, latest);
  const db = new Database(file, nativeOptions());
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('foreign_keys = ON');
    db.pragma('busy_timeout = 5000');
    db.pragma('synchronous = NORMAL');
    migrate(db, migrations);
  } catch (err) {
    db.close();
    throw new AvError('io', `could not open the catalog: ${(err as Error).message}`, { file, cause: err });
  }
  return new Catalog(db, file);
}

export function nowIso(): string {
  return new Date().toISOString();
}
