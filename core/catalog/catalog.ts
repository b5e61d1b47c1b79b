// The experiment catalog: one SQLite file in WAL mode (better-sqlite3). Opening it checks, before
// anything is written, that it is a SQLite database this studio understands: a corrupt file or one
// written by a newer studio, or a SQLite database of another program, is refused and left exactly as
// it was. Older ones are migrated.
//
// Several processes write one catalog (serve, CLI commands, training workers). Every write
// transaction is BEGIN IMMEDIATE: it takes the write lock before its first read, so SQLite's busy
// handler (busy_timeout) applies; a deferred transaction that read first could only fail at once
// with SQLITE_BUSY when it tried to write. A transaction still refused after the wait is retried a
// few times, then reported as a typed `busy` error.
import Database from 'better-sqlite3';
import { closeSync, existsSync, openSync, readSync, statSync } from 'node:fs';
import { userInfo } from 'node:os';
import { AvError, toAvError } from '../errors';
import { MIGRATIONS, type Migration } from './migrations';

const SQLITE_HEADER = 'SQLite format 3\u0000';
/** PRAGMA application_id of a studio catalog: 'AVST'. */
export const APPLICATION_ID = 0x41565354;
/** How long one statement waits for another process's write lock (SQLite busy handler). */
export const BUSY_TIMEOUT_MS = 5000;
/** Whole-transaction retries after the busy handler gave up. */
const BUSY_RETRIES = 3;

function isBusy(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED'));
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * Runs fn as one IMMEDIATE transaction on db, retrying the whole transaction when the catalog stays
 * locked; SQLite errors come out typed (busy, io for a full disk or read-only file).
 */
export function writeTransaction<T>(db: Db, fn: () => T): T {
  // nested: better-sqlite3 runs it as a savepoint of the outer transaction, which holds the lock already
  if (db.inTransaction) return db.transaction(fn)();
  for (let attempt = 0; ; attempt++) {
    try {
      return db.transaction(fn).immediate();
    } catch (err) {
      if (isBusy(err) && attempt < BUSY_RETRIES) {
        sleepSync(20 + Math.random() * 80 * (attempt + 1));
        continue;
      }
      const code = (err as { code?: unknown } | null)?.code;
      throw typeof code === 'string' && code.startsWith('SQLITE_') ? toAvError(err) : err;
    }
  }
}

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
  /** who this process writes as, recorded with curation edits (set by the door: see openStudio) */
  actor: string;

  constructor(db: Db, file: string) {
    this.db = db;
    this.file = file;
    this.actor = osUser();
  }

  /**
   * Runs fn in one write transaction (BEGIN IMMEDIATE, retried while another process holds the
   * lock): every row it writes lands, or none does.
   */
  tx<T>(fn: () => T): T {
    return writeTransaction(this.db, fn);
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

/**
 * A catalog is the studio's when it carries its application_id, or (catalogs made before the id was
 * set) a studio schema version with the studio's first tables; an empty database is fine too.
 */
function isStudioDatabase(probe: Db, version: number): boolean {
  const appId = probe.pragma('application_id', { simple: true }) as number;
  if (appId === APPLICATION_ID) return true;
  if (appId !== 0) return false;
  const tables = new Set((probe.prepare("SELECT name FROM sqlite_master WHERE type IN ('table', 'view', 'index', 'trigger')").all() as Array<{ name: string }>).map((r) => r.name));
  if (version === 0) return tables.size === 0;
  return ['datasets', 'sources', 'pairs', 'runs', 'checkpoints'].every((t) => tables.has(t));
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
    const appId = probe.pragma('application_id', { simple: true }) as number;
    if (version > latest && (appId === 0 || appId === APPLICATION_ID)) {
      throw new AvError('catalog_newer', `written by a newer AV Studio (schema ${version}, this one knows up to ${latest}); update the studio to open it (left untouched)`, { file });
    }
    if (!isStudioDatabase(probe, version)) {
      throw new AvError('catalog_corrupt', 'not an AV Studio catalog: a SQLite database of another program (its application id and tables are not the studio\'s); it was left untouched — move it away or pick another --home', { file });
    }
    return version;
  } catch (err) {
    if (err instanceof AvError) throw err;
    // a full disk or an unreadable folder is not a damaged catalog
    const code = String((err as { code?: unknown }).code ?? '');
    if (/^(SQLITE_(IOERR|FULL|CANTOPEN|READONLY|BUSY|LOCKED|PERM)|E[A-Z]+$)/.test(code)) {
      const typed = toAvError(err);
      throw new AvError(typed.kind === 'internal' ? 'io' : typed.kind, `could not read the catalog (${(err as Error).message}); it was left untouched`, { file, cause: err });
    }
    throw new AvError('catalog_corrupt', `the catalog is damaged (${(err as Error).message}); it was left untouched`, { file, cause: err });
  } finally {
    probe?.close();
  }
}

export function migrate(db: Db, migrations: readonly Migration[] = MIGRATIONS): void {
  for (const m of migrations) {
    if (m.version <= (db.pragma('user_version', { simple: true }) as number)) continue;
    writeTransaction(db, () => {
      // another process may have migrated meanwhile: the version is read again under the write lock
      if (m.version <= (db.pragma('user_version', { simple: true }) as number)) return;
      db.exec(m.sql);
      db.pragma(`user_version = ${m.version}`);
    });
  }
  if ((db.pragma('application_id', { simple: true }) as number) !== APPLICATION_ID) {
    writeTransaction(db, () => db.pragma(`application_id = ${APPLICATION_ID}`));
  }
}

/**
 * Opens (creating or migrating as needed) the catalog at `file`. `migrations` is for tests that
 * build an old catalog; the studio always passes the full list.
 */
export function openCatalog(file: string, migrations: readonly Migration[] = MIGRATIONS): Catalog {
  const latest = migrations.length;
  if (existsSync(file)) inspectExisting(file, latest);
  const db = new Database(file, { timeout: BUSY_TIMEOUT_MS, ...nativeOptions() });
  try {
    db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`); // first: switching to WAL may wait for another opener
    db.pragma('journal_mode = WAL');
    db.pragma('foreign_keys = ON');
    db.pragma('synchronous = NORMAL');
    migrate(db, migrations);
  } catch (err) {
    db.close();
    const typed = toAvError(err);
    throw new AvError(typed.kind === 'internal' ? 'io' : typed.kind, `could not open the catalog: ${(err as Error).message}`, { file, cause: err });
  }
  return new Catalog(db, file);
}

/** The OS account running this process (the studio is single-user per machine account). */
export function osUser(): string {
  try {
    return userInfo().username || 'unknown';
  } catch {
    return process.env.USER ?? process.env.USERNAME ?? 'unknown'; // no passwd entry (containers)
  }
}

export function nowIso(): string {
  return new Date().toISOString();
}

/**
 * A token that changes whenever anything is written to the catalog, by this connection
 * (total_changes) or by any other process (SQLite's data_version): answers computed from the
 * rows can be kept until it moves.
 */
export function catalogVersion(cat: Catalog): string {
  return `${cat.db.pragma('data_version', { simple: true })}:${cat.db.prepare('SELECT total_changes()').pluck().get()}`;
}
