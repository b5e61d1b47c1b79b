// Numbered schema migrations of the experiment catalog (docs/ARCHITECTURE.md, "The catalog's tables"). A catalog's
// PRAGMA user_version is the number of migrations applied. Never edit a released migration: add one.

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'initial schema',
    sql: `
      CREATE TABLE datasets (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        kind TEXT NOT NULL,
        created_at TEXT NOT NULL,
        config TEXT NOT NULL DEFAULT '{}'
      );
      CREATE TABLE sources (
        id INTEGER PRIMARY KEY,
        hash TEXT NOT NULL UNIQUE,
        kind TEXT NOT NULL CHECK (kind IN ('audio', 'video', 'image')),
        path TEXT NOT NULL,
        original_name TEXT NOT NULL,
        bytes INTEGER NOT NULL,
        duration_s REAL,
        width INTEGER,
        height INTEGER,
        created_at TEXT NOT NULL
      );
      CREATE TABLE pairs (
        id INTEGER PRIMARY KEY,
        dataset_id INTEGER NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,
        pair_key TEXT NOT NULL,
        instrument TEXT NOT NULL,
        split TEXT NOT NULL CHECK (split IN ('train', 'test')),
        audio_source_id INTEGER NOT NULL REFERENCES sources(id),
        image_source_id INTEGER REFERENCES sources(id),
        video_source_id INTEGER REFERENCES sources(id),
        group_key TEXT NOT NULL DEFAULT '',
        start_s REAL NOT NULL,
        dur_s REAL NOT NULL DEFAULT 0.5,
        frame_s REAL,
        crop TEXT,
        state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'accepted', 'rejected')),
        UNIQUE (dataset_id, pair_key)
      );
      CREATE INDEX pairs_by_dataset ON pairs (dataset_id, instrument, split, state);
      CREATE TABLE pair_edits (
        id INTEGER PRIMARY KEY,
        pair_id INTEGER NOT NULL REFERENCES pairs(id) ON DELETE CASCADE,
        at TEXT NOT NULL,
        field TEXT NOT NULL,
        old_value TEXT,
        new_value TEXT,
        undone INTEGER NOT NULL DEFAULT 0
      );
      CREATE TABLE snapshots (
        id INTEGER PRIMARY KEY,
        dataset_id INTEGER NOT NULL REFERENCES datasets(id),
        created_at TEXT NOT NULL,
        pair_count INTEGER NOT NULL,
        content_hash TEXT NOT NULL
      );
      CREATE TABLE snapshot_pairs (
        snapshot_id INTEGER NOT NULL REFERENCES snapshots(id) ON DELETE CASCADE,
        pair_id INTEGER NOT NULL,
        instrument TEXT NOT NULL,
        split TEXT NOT NULL,
        audio_source_id INTEGER NOT NULL,
        image_source_id INTEGER,
        video_source_id INTEGER,
        start_s REAL NOT NULL,
        dur_s REAL NOT NULL,
        frame_s REAL,
        crop TEXT,
        PRIMARY KEY (snapshot_id, pair_id)
      );
      CREATE TABLE feature_cache (
        key TEXT PRIMARY KEY,
        rep TEXT NOT NULL,
        blob_hash TEXT NOT NULL,
        shape TEXT NOT NULL,
        created_at TEXT NOT NULL
      );
      CREATE TABLE runs (
        id INTEGER PRIMARY KEY,
        model TEXT NOT NULL,
        preset TEXT NOT NULL,
        dataset_id INTEGER REFERENCES datasets(id),
        snapshot_id INTEGER REFERENCES snapshots(id),
        encoder_run_id INTEGER REFERENCES runs(id),
        config TEXT NOT NULL,
        seed INTEGER NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('queued', 'running', 'stopping', 'stopped', 'interrupted', 'failed', 'done')),
        backend TEXT,
        epoch INTEGER NOT NULL DEFAULT 0,
        epochs INTEGER NOT NULL,
        error TEXT,
        pid INTEGER,
        created_at TEXT NOT NULL,
        started_at TEXT,
        finished_at TEXT,
        tags TEXT NOT NULL DEFAULT '[]',
        notes TEXT NOT NULL DEFAULT ''
      );
      CREATE TABLE metrics (
        run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        name TEXT NOT NULL,
        step INTEGER NOT NULL,
        epoch INTEGER NOT NULL,
        value REAL NOT NULL,
        at TEXT NOT NULL,
        PRIMARY KEY (run_id, name, step)
      );
      CREATE TABLE checkpoints (
        id INTEGER PRIMARY KEY,
        run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        epoch INTEGER NOT NULL,
        step INTEGER NOT NULL,
        path TEXT NOT NULL,
        created_at TEXT NOT NULL,
        UNIQUE (run_id, epoch)
      );
      CREATE TABLE samples (
        id INTEGER PRIMARY KEY,
        run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        epoch INTEGER NOT NULL,
        blob_hash TEXT NOT NULL,
        meta TEXT NOT NULL DEFAULT '{}',
        UNIQUE (run_id, epoch)
      );
      CREATE TABLE evaluations (
        id INTEGER PRIMARY KEY,
        run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        epoch INTEGER NOT NULL,
        kind TEXT NOT NULL,
        split TEXT NOT NULL,
        instrument TEXT NOT NULL DEFAULT '',
        value REAL NOT NULL,
        n INTEGER NOT NULL,
        evaluator_run_id INTEGER REFERENCES runs(id),
        created_at TEXT NOT NULL,
        UNIQUE (run_id, epoch, kind, split, instrument)
      );
      CREATE TABLE humaneval_sessions (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL,
        rubric TEXT NOT NULL,
        config TEXT NOT NULL,
        status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed')),
        created_at TEXT NOT NULL
      );
      CREATE TABLE humaneval_items (
        id INTEGER PRIMARY KEY,
        session_id INTEGER NOT NULL REFERENCES humaneval_sessions(id) ON DELETE CASCADE,
        set_index INTEGER NOT NULL,
        instrument TEXT NOT NULL,
        method TEXT NOT NULL,
        run_id INTEGER REFERENCES runs(id),
        pair_id INTEGER REFERENCES pairs(id),
        blob_hash TEXT NOT NULL
      );
      CREATE TABLE humaneval_raters (
        id INTEGER PRIMARY KEY,
        session_id INTEGER NOT NULL REFERENCES humaneval_sessions(id) ON DELETE CASCADE,
        name TEXT NOT NULL,
        token TEXT NOT NULL UNIQUE,
        seed INTEGER NOT NULL,
        UNIQUE (session_id, name)
      );
      CREATE TABLE humaneval_scores (
        rater_id INTEGER NOT NULL REFERENCES humaneval_raters(id) ON DELETE CASCADE,
        item_id INTEGER NOT NULL REFERENCES humaneval_items(id) ON DELETE CASCADE,
        score INTEGER NOT NULL CHECK (score BETWEEN 0 AND 3),
        position INTEGER NOT NULL,
        ms INTEGER,
        at TEXT NOT NULL,
        PRIMARY KEY (rater_id, item_id)
      );
    `,
  },
  {
    version: 2,
    name: 'dataset descriptions and import reports',
    sql: `
      ALTER TABLE datasets ADD COLUMN description TEXT NOT NULL DEFAULT '';
      CREATE TABLE import_reports (
        id INTEGER PRIMARY KEY,
        dataset_id INTEGER REFERENCES datasets(id) ON DELETE CASCADE,
        kind TEXT NOT NULL,
        started_at TEXT NOT NULL,
        finished_at TEXT,
        added INTEGER NOT NULL DEFAULT 0,
        skipped TEXT NOT NULL DEFAULT '[]'
      );
    `,
  },
  {
    version: 3,
    name: 'import staging, import status, curation edit batches',
    sql: `
      -- An import stages lightweight rows here in small batches (bounded memory), then merges them
      -- into sources/pairs in one transaction: a crash or cancel leaves only staging rows, which the
      -- next import of any dataset removes.
      ALTER TABLE import_reports ADD COLUMN status TEXT NOT NULL DEFAULT 'done';
      ALTER TABLE import_reports ADD COLUMN error TEXT;
      ALTER TABLE import_reports ADD COLUMN pid INTEGER;
      ALTER TABLE import_reports ADD COLUMN dataset_name TEXT NOT NULL DEFAULT '';
      CREATE TABLE import_staging_sources (
        report_id INTEGER NOT NULL,
        hash TEXT NOT NULL,
        kind TEXT NOT NULL,
        path TEXT NOT NULL,
        original_name TEXT NOT NULL,
        bytes INTEGER NOT NULL,
        duration_s REAL,
        width INTEGER,
        height INTEGER,
        PRIMARY KEY (report_id, hash)
      );
      CREATE TABLE import_staging_pairs (
        report_id INTEGER NOT NULL,
        pair_key TEXT NOT NULL,
        instrument TEXT NOT NULL,
        split TEXT NOT NULL,
        audio_hash TEXT NOT NULL,
        image_hash TEXT,
        video_hash TEXT,
        group_key TEXT NOT NULL DEFAULT '',
        start_s REAL NOT NULL,
        dur_s REAL NOT NULL,
        frame_s REAL,
        crop TEXT,
        state TEXT NOT NULL DEFAULT 'pending',
        PRIMARY KEY (report_id, pair_key)
      );
      -- one curation action that touches several pairs (a track's crop box) is one batch: undo
      -- reverts the whole batch.
      ALTER TABLE pair_edits ADD COLUMN batch TEXT;
      CREATE INDEX pair_edits_by_pair ON pair_edits (pair_id, id);
      CREATE INDEX pair_edits_by_batch ON pair_edits (batch);
      CREATE INDEX pairs_by_group ON pairs (dataset_id, group_key);
    `,
  },
  {
    version: 4,
    name: 'human evaluation: stored presentation order per rater',
    sql: `
      -- the exact order a rater is shown the items in (seeded per rater, fixed when the rater is added,
      -- so a reload or another machine continues in the same order); set_no is the set's place in it
      CREATE TABLE humaneval_order (
        rater_id INTEGER NOT NULL REFERENCES humaneval_raters(id) ON DELETE CASCADE,
        position INTEGER NOT NULL,
        set_no INTEGER NOT NULL,
        item_id INTEGER NOT NULL REFERENCES humaneval_items(id) ON DELETE CASCADE,
        PRIMARY KEY (rater_id, position),
        UNIQUE (rater_id, item_id)
      );
      ALTER TABLE humaneval_raters ADD COLUMN created_at TEXT NOT NULL DEFAULT '';
      CREATE INDEX humaneval_items_by_session ON humaneval_items (session_id, blob_hash);
    `,
  },
  {
    version: 5,
    name: 'change feed, shared run queue, recorded unblinding',
    sql: `
      -- every event another studio process must see, as the typed StudioEvent JSON, read by seq
      -- (core/studio/changeFeed.ts); origin names the writing process so it does not hear itself twice.
      -- Pruned to a bounded tail.
      CREATE TABLE change_log (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        origin TEXT NOT NULL,
        at INTEGER NOT NULL,
        event TEXT NOT NULL
      );
      -- studio-wide settings shared by every process (e.g. how many runs train at once)
      CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
      -- the process supervising a running run (it forked the worker) and until when (ms since the
      -- epoch) its lease holds; it renews the lease while the worker lives, so another process can
      -- tell a run whose supervisor died
      ALTER TABLE runs ADD COLUMN supervisor_pid INTEGER;
      ALTER TABLE runs ADD COLUMN supervisor_host TEXT;
      ALTER TABLE runs ADD COLUMN lease_until INTEGER;
      CREATE INDEX runs_by_status ON runs (status, id);
      -- the experimenter's choice to see results before scoring was complete (ISO time), else NULL
      ALTER TABLE humaneval_sessions ADD COLUMN results_forced_at TEXT;
    `,
  },
  {
    version: 6,
    name: 'who made each curation edit',
    sql: `
      -- who made the edit: the OS user and the door they used ("ana (CLI)", "ana (serve)"); NULL for
      -- edits recorded before this column existed
      ALTER TABLE pair_edits ADD COLUMN actor TEXT;
    `,
  },
];

export const SCHEMA_VERSION = MIGRATIONS.length;
