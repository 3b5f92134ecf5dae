import { queueNotFound } from "../../domain/errors.ts";
import type { QueueStats } from "../../domain/message.ts";
import { applySettingsPatch, DEFAULT_QUEUE_SETTINGS, type QueueSettingsPatch } from "../../domain/queue-settings.ts";
import type { QueueRecord, QueueStore } from "../store.ts";
import { affected, num, numOrNull, rows, type PgDatabase } from "./db.ts";
import { releaseExpiredIfDue } from "./lifecycle.ts";
import { findQueue, toQueueRecord } from "./rows.ts";

/** Expired leases turned over before stats are counted; bounded like the sweeper's batch, which does the rest. */
const EXPIRED_LEASES_PER_STATS = 1000;

export class PgQueueStore implements QueueStore {
  constructor(private readonly db: PgDatabase) {}

  put(name: string, patch: QueueSettingsPatch, now: number): Promise<{ queue: QueueRecord; created: boolean }> {
    return this.db.transaction(async (tx) => {
      // Insert-if-absent first, then patch under the row lock: two instances creating or patching
      // the same queue at once each apply their patch to the other's result, never lose one.
      const defaults = JSON.stringify(DEFAULT_QUEUE_SETTINGS);
      const inserted = await rows(tx.sql`
        INSERT INTO queues (name, settings, max_messages, created_at, updated_at)
        VALUES (${name}, ${defaults}, ${DEFAULT_QUEUE_SETTINGS.maxMessages}, ${now}, ${now})
        ON CONFLICT (name) DO NOTHING RETURNING name`);
      const [current] = (await tx.sql`SELECT * FROM queues WHERE name = ${name} FOR UPDATE`) as Array<
        Record<string, unknown>
      >;
      const before = toQueueRecord(current!);
      const settings = applySettingsPatch(before.settings, patch);
      const [row] = (await tx.sql`
        UPDATE queues SET settings = ${JSON.stringify(settings)}, max_messages = ${settings.maxMessages}, updated_at = ${now}
         WHERE name = ${name} RETURNING *`) as Array<Record<string, unknown>>;
      if (settings.maxMessages > 0 && before.settings.maxMessages === 0) {
        // live_count was not kept while the queue was unbounded; make it exact again from the kept
        // counts and the deltas not folded yet (what a COUNT(*) of this snapshot would say, without
        // reading every message).
        await tx.sql`
          UPDATE queues SET live_count = (
            SELECT COALESCE(sum(n), 0) FROM (
              SELECT n FROM queue_counts WHERE queue = ${name} AND state <> 2
              UNION ALL
              SELECT delta FROM queue_count_deltas WHERE queue = ${name} AND state <> 2
            ) AS c)
           WHERE name = ${name}`;
      }
      return { queue: toQueueRecord(row!), created: inserted.length > 0 };
    });
  }

  async setPaused(name: string, paused: boolean, now: number): Promise<QueueRecord> {
    const [row] = (await this.db.sql`
      UPDATE queues SET paused_at = CASE WHEN ${paused} THEN COALESCE(paused_at, ${now}) END, updated_at = ${now}
       WHERE name = ${name} RETURNING *`) as Array<Record<string, unknown>>;
    if (!row) throw queueNotFound(name);
    return toQueueRecord(row);
  }

  get(name: string): Promise<QueueRecord | null> {
    return findQueue(this.db.sql, name);
  }

  async list(): Promise<QueueRecord[]> {
    const rows = (await this.db.sql`SELECT * FROM queues ORDER BY name`) as Array<Record<string, unknown>>;
    return rows.map(toQueueRecord);
  }

  delete(name: string): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      const deleted = await rows(tx.sql`DELETE FROM queues WHERE name = ${name} RETURNING name`);
      if (deleted.length === 0) return false;
      await tx.sql`DELETE FROM messages WHERE queue = ${name}`;
      // After the messages, whose delete trigger has just appended their deltas.
      await tx.sql`DELETE FROM queue_counts WHERE queue = ${name}`;
      await tx.sql`DELETE FROM queue_count_deltas WHERE queue = ${name}`;
      await tx.sql`DELETE FROM dedup_keys WHERE queue = ${name}`;
      // A subscription into a queue that no longer exists could only fail every fan-out.
      await tx.sql`DELETE FROM subscriptions WHERE queue = ${name}`;
      // A queue created again under the name starts with a fresh endpoint: not disabled, circuit closed.
      await tx.sql`DELETE FROM webhook_endpoints WHERE queue = ${name}`;
      return true;
    });
  }

  purge(name: string): Promise<number> {
    return this.db.transaction(async (tx) => {
      const locked = await rows(tx.sql`SELECT 1 FROM queues WHERE name = ${name} FOR UPDATE`);
      if (locked.length === 0) throw queueNotFound(name);
      const purged = await affected(tx.sql`DELETE FROM messages WHERE queue = ${name} AND state <> 2`);
      await tx.sql`UPDATE queues SET live_count = 0 WHERE name = ${name}`;
      return purged;
    });
  }

  async stats(name: string, now: number): Promise<QueueStats> {
    if (!(await findQueue(this.db.sql, name))) throw queueNotFound(name);
    // Leases that ran out count as what they now are, not as leased.
    await releaseExpiredIfDue(this.db, name, now, EXPIRED_LEASES_PER_STATS);
    const [row] = await this.readWithoutJit(QUEUE_STATS_SQL, [now, name]);
    return toStats(row, now);
  }

  async statsAll(now: number): Promise<Array<{ queue: string; stats: QueueStats }>> {
    await releaseExpiredIfDue(this.db, null, now, EXPIRED_LEASES_PER_STATS);
    const rows = await this.readWithoutJit(ALL_QUEUE_STATS_SQL, [now]);
    return rows.map((row) => ({ queue: row.name as string, stats: toStats(row, now) }));
  }

  /**
   * The planner cannot size the recursive loose index scan of the stats statements (it guesses
   * 100 levels per queue, and a count per level as big as the queue), so their estimate passes
   * jit_above_cost: JIT compiling took 877 ms of an 879 ms statsAll whose execution is about 1 ms
   * (EXPLAIN ANALYZE), and 1.1 s of stats() of an empty queue next to a 1M one once analyzed.
   */
  private readWithoutJit(statement: string, params: unknown[]): Promise<Array<Record<string, unknown>>> {
    return this.db.transaction(async (tx): Promise<Array<Record<string, unknown>>> => {
      await tx.sql`SET LOCAL jit = off`;
      return tx.sql.unsafe(statement, params);
    });
  }
}

/**
 * Stats from queue_counts plus the deltas the leader has not folded yet (one snapshot, and the
 * fold moves deltas into counts in one statement, so the sum is exact), and the one split no
 * count can keep: ready messages are ready or delayed by the clock. That split walks the partial
 * claim index (queue, priority DESC, available_at, seq) WHERE state = 0 without reading the ready
 * rows: a loose index scan over the distinct priorities (max(priority) below the previous one),
 * and per priority a count of available_at > now (costs the delayed rows only) and
 * min(available_at) (the oldest ready one unless it is in the future). `$1` is now.
 */
function statsSql(queueFilter: (column: string) => string): string {
  return `WITH RECURSIVE
  levels(queue, priority) AS (
    SELECT q.name, (SELECT max(m.priority) FROM messages m WHERE m.queue = q.name AND m.state = 0)
      FROM queues q ${queueFilter("q.name")}
    UNION ALL
    SELECT l.queue,
           (SELECT max(m.priority) FROM messages m WHERE m.queue = l.queue AND m.state = 0 AND m.priority < l.priority)
      FROM levels l WHERE l.priority IS NOT NULL
  ),
  per_level(queue, delayed, first_at) AS MATERIALIZED (
    SELECT l.queue,
           (SELECT count(*) FROM messages m
             WHERE m.queue = l.queue AND m.state = 0 AND m.priority = l.priority AND m.available_at > $1),
           (SELECT min(m.available_at) FROM messages m
             WHERE m.queue = l.queue AND m.state = 0 AND m.priority = l.priority)
      FROM levels l WHERE l.priority IS NOT NULL
  ),
  split(queue, delayed, oldest) AS (
    SELECT queue, sum(delayed), min(first_at) FILTER (WHERE first_at <= $1) FROM per_level GROUP BY queue
  ),
  counts(queue, state, n) AS (
    SELECT queue, state, sum(n) FROM (
      SELECT queue, state, n FROM queue_counts ${queueFilter("queue")}
      UNION ALL
      SELECT queue, state, delta FROM queue_count_deltas ${queueFilter("queue")}
    ) AS c GROUP BY queue, state
  )
SELECT q.name AS name,
       COALESCE((SELECT n FROM counts c WHERE c.queue = q.name AND c.state = 0), 0) - COALESCE(s.delayed, 0) AS ready,
       COALESCE(s.delayed, 0) AS delayed,
       COALESCE((SELECT n FROM counts c WHERE c.queue = q.name AND c.state = 1), 0) AS leased,
       COALESCE((SELECT n FROM counts c WHERE c.queue = q.name AND c.state = 2), 0) AS dead,
       COALESCE((SELECT n FROM counts c WHERE c.queue = q.name AND c.state = 3), 0) AS grouped,
       s.oldest AS oldest
  FROM queues q LEFT JOIN split s ON s.queue = q.name
  ${queueFilter("q.name")}
 ORDER BY q.name`;
}

/** One queue's stats; `$2` is its name. */
export const QUEUE_STATS_SQL = statsSql((column) => `WHERE ${column} = $2`);
/** Every queue's stats, queues without messages included. */
export const ALL_QUEUE_STATS_SQL = statsSql(() => "");

function toStats(row: Record<string, unknown> | undefined, now: number): QueueStats {
  const oldest = numOrNull(row?.oldest);
  return {
    ready: num(row?.ready ?? 0),
    delayed: num(row?.delayed ?? 0),
    leased: num(row?.leased ?? 0),
    dead: num(row?.dead ?? 0),
    grouped: num(row?.grouped ?? 0),
    oldestReadyAgeSeconds: oldest === null ? 0 : Math.max(0, (now - oldest) / 1000),
  };
}
