import { Database } from "bun:sqlite";
import { existsSync } from "node:fs";
import type { CopyDedupKeyRow, CopyMessageRow, CopyQueueRow, CopySubscriptionRow, CopyTopicRow } from "../copy-rows.ts";
import { SQLITE_MIGRATIONS } from "./migrations/index.ts";

/** The source is not a database this build can copy from; the message says what to do. */
export class CopySourceError extends Error {
  override readonly name = "CopySourceError";
}

/**
 * Reads a stopped broker's SQLite file for `millrace copy`, in batches so memory stays bounded
 * whatever the backlog. Everything is read inside one read transaction, so the copy is one
 * consistent snapshot even if something wrote to the file meanwhile (the caller holds the data
 * directory's lock, so nothing should). The file is opened read-only: the copy never changes it.
 */
export class SqliteCopyReader {
  private constructor(private readonly db: Database) {}

  static open(path: string): SqliteCopyReader {
    if (!existsSync(path)) throw new CopySourceError(`there is no database at ${path}`);
    let db: Database;
    try {
      db = new Database(path, { readonly: true });
    } catch (error) {
      throw new CopySourceError(`${path} cannot be opened as SQLite: ${(error as Error).message}`);
    }
    try {
      checkMigrations(db, path);
      db.run("BEGIN");
      // A deferred transaction takes its snapshot at the first read.
      db.query("SELECT COUNT(*) FROM queues").get();
    } catch (error) {
      db.close();
      throw error;
    }
    return new SqliteCopyReader(db);
  }

  countMessages(): number {
    return this.db.query<{ n: number }, []>("SELECT COUNT(*) AS n FROM messages").get()!.n;
  }

  /**
   * The highest sequence number ever handed out: AUTOINCREMENT remembers numbers of messages
   * since acked, and the target must never hand those out again (an old receipt names one).
   */
  highestSeq(): number {
    const used = this.db
      .query<{ seq: number | null }, []>("SELECT seq FROM sqlite_sequence WHERE name = 'messages'")
      .get();
    const present = this.db.query<{ seq: number | null }, []>("SELECT MAX(seq) AS seq FROM messages").get();
    return Math.max(used?.seq ?? 0, present?.seq ?? 0);
  }

  queues(): CopyQueueRow[] {
    return this.db
      .query<CopyQueueRow, []>(
        "SELECT name, settings, created_at AS createdAt, updated_at AS updatedAt FROM queues ORDER BY name",
      )
      .all();
  }

  topics(): CopyTopicRow[] {
    return this.db.query<CopyTopicRow, []>("SELECT name, created_at AS createdAt FROM topics ORDER BY name").all();
  }

  subscriptions(): CopySubscriptionRow[] {
    return this.db
      .query<CopySubscriptionRow, []>(
        "SELECT topic, name, queue, filter, created_at AS createdAt FROM subscriptions ORDER BY topic, name",
      )
      .all();
  }

  /** Dedup keys still in force at `now`, `batchSize` at a time; expired ones would suppress nothing. */
  *dedupKeys(now: number, batchSize: number): Generator<CopyDedupKeyRow[]> {
    const query = this.db.query<CopyDedupKeyRow, [number, string, string, number]>(
      `SELECT queue, dedup_id AS dedupId, message_id AS messageId, expires_at AS expiresAt FROM dedup_keys
        WHERE expires_at > ?1 AND (queue, dedup_id) > (?2, ?3) ORDER BY queue, dedup_id LIMIT ?4`,
    );
    let after: [string, string] = ["", ""];
    for (;;) {
      const batch = query.all(now, after[0], after[1], batchSize);
      if (batch.length === 0) return;
      yield batch;
      const last = batch[batch.length - 1]!;
      after = [last.queue, last.dedupId];
    }
  }

  /**
   * Every message in every state, in sequence order (keyset paging on seq), at most `batchSize`
   * messages and about `maxBytes` of bodies and headers at a time: a backlog of large bodies
   * must not make one batch hold gigabytes. A batch always holds at least one message.
   */
  *messages(batchSize: number, maxBytes: number): Generator<CopyMessageRow[]> {
    const query = this.db.query<CopyMessageRow, [number, number]>(
      "SELECT * FROM messages WHERE seq > ?1 ORDER BY seq LIMIT ?2",
    );
    let after = 0;
    for (;;) {
      const batch: CopyMessageRow[] = [];
      let bytes = 0;
      for (const row of query.iterate(after, batchSize)) {
        batch.push(row);
        bytes += row.body.length + (row.headers?.length ?? 0);
        if (bytes >= maxBytes) break;
      }
      if (batch.length === 0) return;
      yield batch;
      after = batch[batch.length - 1]!.seq;
    }
  }

  /** Only the ids, for checking a non-empty target before anything is written. */
  *messageIds(batchSize: number): Generator<string[]> {
    const query = this.db.query<{ seq: number; id: string }, [number, number]>(
      "SELECT seq, id FROM messages WHERE seq > ?1 ORDER BY seq LIMIT ?2",
    );
    let after = 0;
    for (;;) {
      const batch = query.all(after, batchSize);
      if (batch.length === 0) return;
      yield batch.map((row) => row.id);
      after = batch[batch.length - 1]!.seq;
    }
  }

  close(): void {
    if (this.db.inTransaction) this.db.run("ROLLBACK");
    this.db.close();
  }
}

/**
 * The copy reads the current schema only. An older file is migrated by the version that serves
 * it (or `millrace migrate`); a newer one needs the build that wrote it.
 */
function checkMigrations(db: Database, path: string): void {
  const table = db
    .query<{ name: string }, []>("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'millrace_migrations'")
    .get();
  if (!table)
    throw new CopySourceError(`${path} is a SQLite file but not a Millrace database (no millrace_migrations)`);
  const applied = new Set(
    db
      .query<{ tag: string }, []>("SELECT tag FROM millrace_migrations")
      .all()
      .map((row) => row.tag),
  );
  const known = new Set(SQLITE_MIGRATIONS.map((migration) => migration.tag));
  const unknown = [...applied].filter((tag) => !known.has(tag));
  if (unknown.length > 0) {
    throw new CopySourceError(
      `${path} has migrations this build does not know (${unknown.join(", ")}); run the copy with the Millrace version that wrote it, or newer`,
    );
  }
  const missing = [...known].filter((tag) => !applied.has(tag));
  if (missing.length > 0) {
    throw new CopySourceError(
      `${path} lacks migrations ${missing.join(", ")}; bring it up to date first with ` +
        `\`millrace migrate --data-dir <its directory>\` (the server is stopped, so nothing else will)`,
    );
  }
}
