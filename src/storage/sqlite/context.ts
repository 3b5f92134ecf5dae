import { Database } from "bun:sqlite";
import { drizzle, type BunSQLiteDatabase } from "drizzle-orm/bun-sqlite";
import { eq } from "drizzle-orm";
import { queueNotFound } from "../../domain/errors.ts";
import type { QueueSettings } from "../../domain/queue-settings.ts";
import type { QueueRecord, TransitionCount } from "../store.ts";
import * as schema from "./schema.ts";

/**
 * What every SQLite aggregate shares inside the writer thread: the one connection, its drizzle
 * wrapper, and a cache of queue settings. The writer is the only process writing, so the cache
 * is exact; it is invalidated by every queue change.
 */
export class SqliteContext {
  readonly orm: BunSQLiteDatabase<typeof schema>;
  private readonly queueCache = new Map<string, QueueRecord>();
  private transitions = new Map<string, TransitionCount>();
  /** Messages made ready where no caller sees it (an ordering group moved on), to wake receivers after COMMIT. */
  private readyNotes: Array<[queue: string, count: number]> = [];

  constructor(readonly db: Database) {
    this.orm = drizzle(db, { schema });
  }

  findQueue(name: string): QueueRecord | null {
    const cached = this.queueCache.get(name);
    if (cached) return cached;
    const row = this.orm.select().from(schema.queues).where(eq(schema.queues.name, name)).get();
    if (!row) return null;
    const record = toQueueRecord(row);
    this.queueCache.set(name, record);
    return record;
  }

  requireQueue(name: string): QueueRecord {
    const queue = this.findQueue(name);
    if (!queue) throw queueNotFound(name);
    return queue;
  }

  forgetQueue(name: string): void {
    this.queueCache.delete(name);
  }

  /** After a transaction SQLite rolled back whole, cached settings may describe undone changes. */
  forgetAllQueues(): void {
    this.queueCache.clear();
  }

  /** Counts a transition for metrics; drained by `takeTransitions`. */
  countTransition(queue: string, kind: "expired" | "deadLettered"): void {
    let counts = this.transitions.get(queue);
    if (!counts) {
      counts = { queue, expired: 0, deadLettered: 0 };
      this.transitions.set(queue, counts);
    }
    counts[kind] += 1;
  }

  becameReady(queue: string, count: number): void {
    if (count > 0) this.readyNotes.push([queue, count]);
  }

  /** Where the notes stand, so that an operation rolled back to its savepoint drops its own. */
  readyMark(): number {
    return this.readyNotes.length;
  }

  dropReadySince(mark: number): void {
    this.readyNotes.length = mark;
  }

  takeReady(): Array<[queue: string, count: number]> {
    const taken = this.readyNotes;
    this.readyNotes = [];
    return taken;
  }

  takeTransitions(): TransitionCount[] {
    const taken = [...this.transitions.values()];
    this.transitions = new Map();
    return taken;
  }

  /**
   * `live_count` exists for the `maxMessages` check, so it is kept only for bounded queues: an
   * unbounded queue (the default) saves an UPDATE on every publish and ack. `recountLive` makes
   * it exact again when a queue becomes bounded.
   */
  adjustLiveCount(queue: string, delta: number): void {
    if (delta === 0 || (this.findQueue(queue)?.settings.maxMessages ?? 0) === 0) return;
    this.db.query("UPDATE queues SET live_count = live_count + ? WHERE name = ?").run(delta, queue);
  }

  /**
   * From queue_counts, not a scan of the messages: the triggers keep it exact, and the writer has
   * flushed every pending insert before an operation other than a publish (writer-worker.ts).
   */
  recountLive(queue: string): void {
    this.db
      .query(
        `UPDATE queues SET live_count = (SELECT COALESCE(SUM(n), 0) FROM queue_counts WHERE queue = ?1 AND state <> 2)
          WHERE name = ?1`,
      )
      .run(queue);
  }

  liveCount(queue: string): number {
    return (
      this.db.query<{ n: number }, [string]>("SELECT live_count AS n FROM queues WHERE name = ?").get(queue)?.n ?? 0
    );
  }
}

export function toQueueRecord(row: typeof schema.queues.$inferSelect): QueueRecord {
  return {
    name: row.name,
    settings: JSON.parse(row.settings) as QueueSettings,
    pausedAt: row.pausedAt ?? null,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

/** Opens the database file with the durability settings DESIGN §3 asks for. */
export function openSqliteDatabase(path: string): Database {
  const db = new Database(path, { create: true, strict: true });
  db.run("PRAGMA journal_mode = WAL");
  // FULL: the WAL is fsynced at every commit, so a 201 survives power loss, not just kill -9.
  db.run("PRAGMA synchronous = FULL");
  db.run("PRAGMA busy_timeout = 5000");
  // 32 MiB page cache (negative means KiB): enough for hot indexes, inside the idle RSS budget.
  db.run("PRAGMA cache_size = -32768");
  db.run("PRAGMA temp_store = MEMORY");
  return db;
}
