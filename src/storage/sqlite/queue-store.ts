import { asc, eq } from "drizzle-orm";
import { queueNotFound } from "../../domain/errors.ts";
import type { QueueStats } from "../../domain/message.ts";
import { applySettingsPatch, DEFAULT_QUEUE_SETTINGS, type QueueSettingsPatch } from "../../domain/queue-settings.ts";
import type { QueueRecord, QueueStore } from "../store.ts";
import type { Synchronous } from "./synchronous.ts";
import type { SqliteContext } from "./context.ts";
import { toQueueRecord } from "./context.ts";
import type { MessageLifecycle } from "./lifecycle.ts";
import * as schema from "./schema.ts";

/** Expired leases turned over before stats are counted; bounded like the sweeper's batch, which does the rest. */
const EXPIRED_LEASES_PER_STATS = 1000;

export class SqliteQueueStore implements Synchronous<QueueStore> {
  constructor(
    private readonly ctx: SqliteContext,
    private readonly lifecycle: MessageLifecycle,
  ) {}

  put(name: string, patch: QueueSettingsPatch, now: number): { queue: QueueRecord; created: boolean } {
    const existing = this.ctx.findQueue(name);
    const settings = applySettingsPatch(existing?.settings ?? DEFAULT_QUEUE_SETTINGS, patch);
    const settingsJson = JSON.stringify(settings);
    if (existing) {
      this.ctx.orm
        .update(schema.queues)
        .set({ settings: settingsJson, updatedAt: now })
        .where(eq(schema.queues.name, name))
        .run();
    } else {
      this.ctx.orm.insert(schema.queues).values({ name, settings: settingsJson, createdAt: now, updatedAt: now }).run();
    }
    this.ctx.forgetQueue(name);
    if (settings.maxMessages > 0 && (existing?.settings.maxMessages ?? 0) === 0) this.ctx.recountLive(name);
    return { queue: this.ctx.requireQueue(name), created: !existing };
  }

  setPaused(name: string, paused: boolean, now: number): QueueRecord {
    this.ctx.requireQueue(name);
    this.ctx.db
      .query(
        "UPDATE queues SET paused_at = CASE WHEN ?1 THEN COALESCE(paused_at, ?2) END, updated_at = ?2 WHERE name = ?3",
      )
      .run(paused ? 1 : 0, now, name);
    this.ctx.forgetQueue(name);
    return this.ctx.requireQueue(name);
  }

  get(name: string): QueueRecord | null {
    return this.ctx.findQueue(name);
  }

  list(): QueueRecord[] {
    return this.ctx.orm.select().from(schema.queues).orderBy(asc(schema.queues.name)).all().map(toQueueRecord);
  }

  delete(name: string): boolean {
    const deleted = this.ctx.db.query("DELETE FROM queues WHERE name = ?").run(name).changes > 0;
    if (deleted) {
      this.ctx.db.query("DELETE FROM messages WHERE queue = ?").run(name);
      // After the messages: their delete triggers have brought these rows to 0.
      this.ctx.db.query("DELETE FROM queue_counts WHERE queue = ?").run(name);
      this.ctx.db.query("DELETE FROM dedup_keys WHERE queue = ?").run(name);
      // A subscription into a queue that no longer exists could only fail every fan-out.
      this.ctx.db.query("DELETE FROM subscriptions WHERE queue = ?").run(name);
      // A queue created again under the name starts with a fresh endpoint: not disabled, circuit closed.
      this.ctx.db.query("DELETE FROM webhook_endpoints WHERE queue = ?").run(name);
    }
    this.ctx.forgetQueue(name);
    return deleted;
  }

  purge(name: string): number {
    this.ctx.requireQueue(name);
    const purged = this.ctx.db.query("DELETE FROM messages WHERE queue = ? AND state <> 2").run(name).changes;
    this.ctx.db.query("UPDATE queues SET live_count = 0 WHERE name = ?").run(name);
    return purged;
  }

  stats(name: string, now: number): QueueStats {
    if (!this.ctx.findQueue(name)) throw queueNotFound(name);
    // Leases that ran out count as what they now are, not as leased (an index range that is
    // usually empty).
    this.lifecycle.releaseExpired(name, now, EXPIRED_LEASES_PER_STATS);
    const row = this.ctx.db.query<StatsRow & { name: string }, [number, string]>(QUEUE_STATS_SQL).get(now, name);
    return toStats(row, now);
  }

  statsAll(now: number): Array<{ queue: string; stats: QueueStats }> {
    this.lifecycle.releaseExpired(null, now, EXPIRED_LEASES_PER_STATS);
    return this.ctx.db
      .query<StatsRow & { name: string }, [number]>(ALL_QUEUE_STATS_SQL)
      .all(now)
      .map((row) => ({ queue: row.name, stats: toStats(row, now) }));
  }
}

/**
 * Stats from queue_counts (kept by triggers) plus the one split no count can keep: ready messages
 * (state 0) are ready or delayed by the clock. Both halves come from the claim index
 * (queue, state, priority DESC, available_at, seq) without walking the ready rows: a loose index
 * scan visits each distinct priority (MAX(priority) below the previous one, one seek), and per
 * priority a range count of available_at > now (costs the delayed rows only) and MIN(available_at)
 * (one seek; the oldest ready message of that priority when it is not in the future).
 * query-plan.test.ts holds every step to a SEARCH on messages_claim. `?1` is now.
 */
function statsSql(queueFilter: string): string {
  return `WITH RECURSIVE
  levels(queue, priority) AS (
    SELECT q.name, (SELECT MAX(m.priority) FROM messages m WHERE m.queue = q.name AND m.state = 0)
      FROM queues q ${queueFilter}
    UNION ALL
    SELECT l.queue,
           (SELECT MAX(m.priority) FROM messages m WHERE m.queue = l.queue AND m.state = 0 AND m.priority < l.priority)
      FROM levels l WHERE l.priority IS NOT NULL
  ),
  per_level(queue, delayed, first_at) AS MATERIALIZED (
    SELECT l.queue,
           (SELECT COUNT(*) FROM messages m
             WHERE m.queue = l.queue AND m.state = 0 AND m.priority = l.priority AND m.available_at > ?1),
           (SELECT MIN(m.available_at) FROM messages m
             WHERE m.queue = l.queue AND m.state = 0 AND m.priority = l.priority)
      FROM levels l WHERE l.priority IS NOT NULL
  ),
  split(queue, delayed, oldest) AS (
    SELECT queue, SUM(delayed), MIN(CASE WHEN first_at <= ?1 THEN first_at END) FROM per_level GROUP BY queue
  )
SELECT q.name AS name,
       COALESCE(c0.n, 0) - COALESCE(s.delayed, 0) AS ready,
       COALESCE(s.delayed, 0) AS delayed,
       COALESCE(c1.n, 0) AS leased,
       COALESCE(c2.n, 0) AS dead,
       COALESCE(c3.n, 0) AS grouped,
       s.oldest AS oldest
  FROM queues q
  LEFT JOIN split s ON s.queue = q.name
  LEFT JOIN queue_counts c0 ON c0.queue = q.name AND c0.state = 0
  LEFT JOIN queue_counts c1 ON c1.queue = q.name AND c1.state = 1
  LEFT JOIN queue_counts c2 ON c2.queue = q.name AND c2.state = 2
  LEFT JOIN queue_counts c3 ON c3.queue = q.name AND c3.state = 3
  ${queueFilter}
 ORDER BY q.name`;
}

/** One queue's stats; `?2` is its name. */
export const QUEUE_STATS_SQL = statsSql("WHERE q.name = ?2");
/** Every queue's stats, queues without messages included. */
export const ALL_QUEUE_STATS_SQL = statsSql("");

interface StatsRow {
  ready: number | null;
  delayed: number | null;
  leased: number | null;
  dead: number | null;
  grouped: number | null;
  oldest: number | null;
}

function toStats(row: StatsRow | null, now: number): QueueStats {
  return {
    ready: row?.ready ?? 0,
    delayed: row?.delayed ?? 0,
    leased: row?.leased ?? 0,
    dead: row?.dead ?? 0,
    grouped: row?.grouped ?? 0,
    oldestReadyAgeSeconds: row?.oldest == null ? 0 : Math.max(0, (now - row.oldest) / 1000),
  };
}
