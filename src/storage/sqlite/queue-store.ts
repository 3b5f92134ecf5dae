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
    const row = this.ctx.db
      .query<StatsRow, [number, string]>(
        `SELECT SUM(state = 0 AND available_at <= ?1) AS ready,
                SUM(state = 0 AND available_at > ?1) AS delayed,
                SUM(state = 1) AS leased,
                SUM(state = 2) AS dead,
                SUM(state = 3) AS grouped,
                MIN(CASE WHEN state = 0 AND available_at <= ?1 THEN available_at END) AS oldest
           FROM messages WHERE queue = ?2`,
      )
      .get(now, name);
    return toStats(row, now);
  }

  statsAll(now: number): Array<{ queue: string; stats: QueueStats }> {
    this.lifecycle.releaseExpired(null, now, EXPIRED_LEASES_PER_STATS);
    // One grouped pass over the claim index; queues without messages come from the LEFT JOIN.
    return this.ctx.db
      .query<StatsRow & { name: string }, [number]>(
        `SELECT q.name AS name,
                SUM(m.state = 0 AND m.available_at <= ?1) AS ready,
                SUM(m.state = 0 AND m.available_at > ?1) AS delayed,
                SUM(m.state = 1) AS leased,
                SUM(m.state = 2) AS dead,
                SUM(m.state = 3) AS grouped,
                MIN(CASE WHEN m.state = 0 AND m.available_at <= ?1 THEN m.available_at END) AS oldest
           FROM queues q LEFT JOIN messages m ON m.queue = q.name
          GROUP BY q.name ORDER BY q.name`,
      )
      .all(now)
      .map((row) => ({ queue: row.name, stats: toStats(row, now) }));
  }
}

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
