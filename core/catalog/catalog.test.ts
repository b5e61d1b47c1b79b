import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { APPLICATION_ID, migrate, openCatalog } from './catalog';
import { MIGRATIONS, SCHEMA_VERSION } from './migrations';
import { createDataset, datasetCounts, listDatasets } from './datasetsRepo';
import { insertPairs, listPairs } from './pairsRepo';
import { upsertSource } from './sourcesRepo';
import { AvError } from '../errors';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'avstudio-catalog-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function expectAvError(fn: () => unknown, kind: string, file: string): void {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(AvError);
    expect((err as AvError).kind).toBe(kind);
    expect((err as AvError).file).toBe(file);
    return;
  }
  throw new Error('expected an error');
}

describe('catalog', () => {
  it('creates a new catalog in WAL mode at the latest schema', () => {
    const cat = openCatalog(join(dir, 'c.sqlite'));
    expect(cat.schemaVersion).toBe(SCHEMA_VERSION);
    expect(cat.db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(cat.db.pragma('foreign_keys', { simple: true })).toBe(1);
    cat.close();
  });

  it('migrates a catalog written by an older schema, keeping its rows', () => {
    const file = join(dir, 'old.sqlite');
    const v1 = openCatalog(file, MIGRATIONS.slice(0, 1));
    expect(v1.schemaVersion).toBe(1);
    v1.db.prepare("INSERT INTO datasets (name, kind, created_at) VALUES ('urmp', 'sub-urmp', '2017-01-01')").run();
    expect(() => v1.db.prepare('SELECT description FROM datasets').all()).toThrow();
    v1.close();

    const cat = openCatalog(file);
    expect(cat.schemaVersion).toBe(SCHEMA_VERSION);
    const rows = listDatasets(cat);
    expect(rows.map((r) => [r.name, r.description])).toEqual([['urmp', '']]);
    expect(cat.db.prepare("SELECT name FROM sqlite_master WHERE name = 'import_reports'").get()).toBeTruthy();
    cat.close();
  });

  it('rolls back a multi-row write that fails part-way', () => {
    const cat = openCatalog(join(dir, 'c.sqlite'));
    const ds = createDataset(cat, { name: 'd', kind: 'demo' });
    const audio = upsertSource(cat, { hash: 'a'.repeat(64), kind: 'audio', path: '/x.wav', originalName: 'x.wav', bytes: 1 });
    expect(() =>
      cat.tx(() => {
        insertPairs(cat, ds, [
          { pairKey: 'k1', instrument: 'vn', split: 'train', audioSourceId: audio, startS: 0 },
          { pairKey: 'k2', instrument: 'vn', split: 'train', audioSourceId: audio, startS: 0.1 },
        ]);
        // a row that violates the split CHECK constraint fails the whole write
        insertPairs(cat, ds, [{ pairKey: 'k3', instrument: 'vn', split: 'valid' as 'train', audioSourceId: audio, startS: 0.2 }]);
      }),
    ).toThrow(/CHECK constraint/);
    expect(listPairs(cat, { datasetId: ds }).total).toBe(0);
    cat.close();
  });

  it('re-inserting the same pairs adds nothing twice', () => {
    const cat = openCatalog(join(dir, 'c.sqlite'));
    const ds = createDataset(cat, { name: 'd', kind: 'demo' });
    const audio = upsertSource(cat, { hash: 'b'.repeat(64), kind: 'audio', path: '/y.wav', originalName: 'y.wav', bytes: 1 });
    const rows = [0, 1, 2].map((k) => ({ pairKey: `k${k}`, instrument: 'fl', split: 'test' as const, audioSourceId: audio, startS: k / 10 }));
    expect(cat.tx(() => insertPairs(cat, ds, rows))).toBe(3);
    expect(cat.tx(() => insertPairs(cat, ds, rows))).toBe(0);
    expect(datasetCounts(cat, ds)).toEqual([{ instrument: 'fl', train: 0, test: 3 }]);
    cat.close();
  });

  it('refuses a corrupt catalog file and leaves it untouched', () => {
    const file = join(dir, 'corrupt.sqlite');
    const junk = Buffer.from('this is not a database at all, just some bytes'.repeat(100));
    writeFileSync(file, junk);
    const before = statSync(file).mtimeMs;
    expectAvError(() => openCatalog(file), 'catalog_corrupt', file);
    expect(readFileSync(file).equals(junk)).toBe(true);
    expect(statSync(file).mtimeMs).toBe(before);
  });

  it('refuses a damaged SQLite file (valid header, broken pages) untouched', () => {
    const file = join(dir, 'damaged.sqlite');
    const good = openCatalog(file);
    good.db.pragma('journal_mode = DELETE');
    good.close();
    const bytes = readFileSync(file);
    const damaged = Buffer.from(bytes);
    damaged.fill(0xab, 4096, Math.min(damaged.length, 4096 * 4)); // overwrite schema/table pages
    writeFileSync(file, damaged);
    expectAvError(() => openCatalog(file), 'catalog_corrupt', file);
    expect(readFileSync(file).equals(damaged)).toBe(true);
  });

  it('refuses a catalog written by a newer studio and leaves it untouched', () => {
    const file = join(dir, 'newer.sqlite');
    const db = new Database(file);
    db.exec('CREATE TABLE future (x INTEGER)');
    db.pragma(`user_version = ${SCHEMA_VERSION + 5}`);
    db.close();
    const bytes = readFileSync(file);
    expectAvError(() => openCatalog(file), 'catalog_newer', file);
    expect(readFileSync(file).equals(bytes)).toBe(true);
  });
});

describe('catalog ownership and concurrent writers', () => {
  it('refuses a SQLite database of another program and leaves it untouched', () => {
    for (const [name, setup] of [
      ['foreign-v0.sqlite', (db: Database.Database) => db.exec('CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT)')],
      ['foreign-v3.sqlite', (db: Database.Database) => (db.exec('CREATE TABLE notes (x)'), db.pragma('user_version = 3'))],
      ['foreign-appid.sqlite', (db: Database.Database) => (db.exec('CREATE TABLE datasets (x)'), db.pragma('application_id = 1234'))],
    ] as const) {
      const file = join(dir, name);
      const db = new Database(file);
      setup(db);
      db.close();
      const bytes = readFileSync(file);
      expectAvError(() => openCatalog(file), 'catalog_corrupt', file);
      expect(readFileSync(file).equals(bytes)).toBe(true);
    }
  });

  it('stamps its application id, and still opens a catalog made before the id existed', () => {
    const file = join(dir, 'old.sqlite');
    const old = new Database(file);
    migrate(old, MIGRATIONS.slice(0, 2));
    expect(old.pragma('application_id', { simple: true })).toBe(APPLICATION_ID);
    old.pragma('application_id = 0'); // as written by a studio before this change
    old.close();
    const cat = openCatalog(file);
    expect(cat.db.pragma('application_id', { simple: true })).toBe(APPLICATION_ID);
    expect(cat.schemaVersion).toBe(SCHEMA_VERSION);
    cat.close();
  });

  it('a write transaction waits for another connection\'s lock instead of failing at once', () => {
    const file = join(dir, 'busy.sqlite');
    const a = openCatalog(file);
    const b = openCatalog(file);
    createDataset(a, { name: 'first', kind: 'manifest' });
    // b reads inside its transaction before writing: deferred, this failed with SQLITE_BUSY at once
    b.db.pragma('busy_timeout = 100');
    a.db.exec('BEGIN IMMEDIATE');
    const t0 = Date.now();
    let err: unknown;
    try {
      b.tx(() => {
        b.db.prepare('SELECT COUNT(*) FROM datasets').get();
        b.db.prepare("UPDATE datasets SET name = 'x' WHERE name = 'first'").run();
      });
    } catch (e) {
      err = e;
    }
    a.db.exec('ROLLBACK');
    // the lock was never released: after the busy wait and its retries, a typed busy error
    expect(err).toBeInstanceOf(AvError);
    expect((err as AvError).kind).toBe('busy');
    expect(Date.now() - t0).toBeGreaterThanOrEqual(300);
    // released: the same transaction lands
    b.tx(() => {
      b.db.prepare('SELECT COUNT(*) FROM datasets').get();
      b.db.prepare("UPDATE datasets SET name = 'x' WHERE name = 'first'").run();
    });
    expect(listDatasets(a).map((d) => d.name)).toEqual(['x']);
    // b holds the write lock from its first read on: a writer that commits between b's read and
    // b's write (which made a deferred b fail with SQLITE_BUSY_SNAPSHOT, no wait) now has to wait
    a.db.pragma('busy_timeout = 50');
    b.tx(() => {
      b.db.prepare('SELECT COUNT(*) FROM datasets').get();
      expect(() => a.db.prepare("UPDATE datasets SET description = 'a' WHERE name = 'x'").run()).toThrow(/locked|busy/i);
      b.db.prepare("UPDATE datasets SET description = 'b' WHERE name = 'x'").run();
    });
    expect(listDatasets(a)[0].description).toBe('b');
    a.close();
    b.close();
  });
});

describe('catalog write failures are typed', () => {
  it('a read-only catalog and a full disk are io errors, not internal', () => {
    const cat = openCatalog(join(dir, 'ro.sqlite'));
    const write = () => cat.tx(() => createDataset(cat, { name: `d${Math.random()}`, kind: 'manifest', description: 'x'.repeat(20_000) }));
    cat.db.pragma('query_only = 1');
    let err: unknown;
    try {
      write();
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(AvError);
    expect((err as AvError).kind).toBe('io');
    expect((err as AvError).message).toMatch(/read-only/);
    cat.db.pragma('query_only = 0');
    cat.db.pragma(`max_page_count = ${cat.db.pragma('page_count', { simple: true }) as number}`);
    err = undefined;
    try {
      write();
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(AvError);
    expect((err as AvError).kind).toBe('io');
    expect((err as AvError).message).toMatch(/disk is full/);
    cat.close();
  });
});
