// The catalog change feed: how every studio process (Electron main, `avstudio serve`, each CLI call)
// hears the events the others emit. Each process's EventBus appends the events it emits to the
// change_log table (migration 5) — inside the caller's transaction when it emits from one — and a
// process that follows the feed checks `PRAGMA data_version` on its own connection every
// FEED_POLL_MS: the number changes only when another connection committed, so an idle catalog costs
// one pragma per tick (no query, no file-system watcher). When it changed, the rows after the last
// seq it read are delivered to its local listeners as the same typed StudioEvents, except its own
// (origin), which it delivered when it emitted them. The log keeps the newest FEED_KEEP rows.
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Catalog } from '../catalog/catalog';
import { EventSchema, type StudioEvent } from '../contract/api';

/** How often a following process checks data_version (ms); AVSTUDIO_FEED_POLL_MS overrides. */
export const FEED_POLL_MS = Number(process.env.AVSTUDIO_FEED_POLL_MS) > 0 ? Number(process.env.AVSTUDIO_FEED_POLL_MS) : 100;
/** Rows the log keeps (a process further behind than that has missed events). */
export const FEED_KEEP = 5000;
/** Pruning runs every this many appends of one process. */
const PRUNE_EVERY = 250;
/** Training-step events are written at most this often, in one transaction. */
const STEP_BATCH_MS = 50;
/** Rows read per query while catching up. */
const READ_BATCH = 500;

interface LogRow {
  seq: number;
  origin: string;
  event: string;
}

export class ChangeFeed {
  /** This process's name in the log: host, pid and a random part (two studios in one process differ). */
  readonly origin = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  private lastSeq: number;
  private lastVersion: number;
  private timer: NodeJS.Timeout | null = null;
  private batchTimer: NodeJS.Timeout | null = null;
  private appended = 0;
  private pending: StudioEvent[] = [];
  private changeListeners = new Set<() => void>();
  private readonly insert;
  private readonly readAfter;

  constructor(
    private readonly catalog: Catalog,
    /** hands events of other processes to this process's listeners */
    private readonly deliver: (e: StudioEvent) => void,
  ) {
    const db = catalog.db;
    this.insert = db.prepare('INSERT INTO change_log (origin, at, event) VALUES (?, ?, ?)');
    this.readAfter = db.prepare(`SELECT seq, origin, event FROM change_log WHERE seq > ? ORDER BY seq LIMIT ${READ_BATCH}`);
    this.lastVersion = this.dataVersion();
    this.lastSeq = (db.prepare('SELECT COALESCE(MAX(seq), 0) AS s FROM change_log').get() as { s: number }).s;
  }

  get following(): boolean {
    return this.timer !== null;
  }

  /** The newest seq this process has read or written. */
  get seq(): number {
    return this.lastSeq;
  }

  /**
   * Records an event for the other processes; a write refused now (busy) is retried with the next one.
   * Training steps (up to hundreds a second) are written together every STEP_BATCH_MS; any other
   * event writes them first, so the log keeps the order they were emitted in.
   */
  append(e: StudioEvent): void {
    this.pending.push(e);
    if (e.type === 'run.step' && !this.catalog.db.inTransaction) {
      if (!this.batchTimer) {
        this.batchTimer = setTimeout(() => {
          this.batchTimer = null;
          this.flush();
        }, STEP_BATCH_MS);
        this.batchTimer.unref();
      }
      return;
    }
    this.flush();
  }

  /** Writes the events not yet in the log; false when the catalog refused (they stay pending). */
  flush(): boolean {
    if (!this.pending.length || !this.catalog.db.open) return true;
    const batch = this.pending;
    try {
      this.catalog.tx(() => {
        const at = Date.now();
        for (const e of batch) this.insert.run(this.origin, at, JSON.stringify(e));
      });
    } catch {
      return false; // busy or closing: kept for the next append or tick
    }
    this.pending = this.pending.slice(batch.length);
    this.appended += batch.length;
    if (this.appended >= PRUNE_EVERY) {
      this.appended = 0;
      this.prune();
    }
    return true;
  }

  /** Deletes all but the newest FEED_KEEP rows. */
  prune(): void {
    try {
      this.catalog.tx(() => this.catalog.db.prepare('DELETE FROM change_log WHERE seq <= (SELECT MAX(seq) FROM change_log) - ?').run(FEED_KEEP));
    } catch {
      // next time
    }
  }

  /** Called (after delivery) whenever another connection committed anything: the run queue pumps here. */
  onChange(listener: () => void): () => void {
    this.changeListeners.add(listener);
    return () => this.changeListeners.delete(listener);
  }

  /** Starts checking for other processes' changes every FEED_POLL_MS (the timer does not hold the process open). */
  follow(pollMs = FEED_POLL_MS): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.poll(), pollMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    if (this.batchTimer) clearTimeout(this.batchTimer);
    this.timer = null;
    this.batchTimer = null;
    this.flush();
  }

  /** One tick: when data_version moved, delivers the new events of other processes; returns how many. */
  poll(): number {
    if (!this.catalog.db.open) return 0;
    if (this.pending.length) this.flush();
    let version: number;
    try {
      version = this.dataVersion();
    } catch {
      return 0;
    }
    if (version === this.lastVersion) return 0;
    this.lastVersion = version;
    let delivered = 0;
    for (;;) {
      let rows: LogRow[];
      try {
        rows = this.readAfter.all(this.lastSeq) as LogRow[];
      } catch {
        break;
      }
      for (const r of rows) {
        this.lastSeq = r.seq;
        if (r.origin === this.origin) continue;
        const parsed = EventSchema.safeParse(safeJson(r.event));
        if (!parsed.success) continue; // written by a newer studio with events this one does not know
        delivered++;
        this.deliver(parsed.data);
      }
      if (rows.length < READ_BATCH) break;
    }
    for (const l of this.changeListeners) {
      try {
        l();
      } catch {
        // one broken listener must not stop the others
      }
    }
    return delivered;
  }

  private dataVersion(): number {
    return this.catalog.db.pragma('data_version', { simple: true }) as number;
  }
}

function safeJson(s: string): unknown {
  try {
    return JSON.parse(s);
  } catch {
    return null;
  }
}
