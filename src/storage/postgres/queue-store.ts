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
        // live_count was not kept while the queue was unbounded; make it exact again.
        await tx.sql`
          UPDATE queues SET live_count = (SELECT COUNT(*) FROM messages WHERE queue = ${name} AND state <> 2)
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
    const [row] = (await this.db.sql`
      SELECT COUNT(*) FILTER (WHERE state = 0 AND available_at <= ${now}) AS ready,
             COUNT(*) FILTER (WHERE state = 0 AND available_at > ${now}) AS delayed,
             COUNT(*) FILTER (WHERE state = 1) AS leased,
             COUNT(*) FILTER (WHERE state = 2) AS dead,
             COUNT(*) FILTER (WHERE state = 3) AS grouped,
             MIN(available_at) FILTER (WHERE state = 0 AND available_at <= ${now}) AS oldest
        FROM messages WHERE queue = ${name}`) as Array<Record<string, unknown>>;
    return toStats(row, now);
  }

  async statsAll(now: number): Promise<Array<{ queue: string; stats: QueueStats }>> {
    await releaseExpiredIfDue(this.db, null, now, EXPIRED_LEASES_PER_STATS);
    const rows = (await this.db.sql`
      SELECT q.name AS name,
             COUNT(m.seq) FILTER (WHERE m.state = 0 AND m.available_at <= ${now}) AS ready,
             COUNT(m.seq) FILTER (WHERE m.state = 0 AND m.available_at > ${now}) AS delayed,
             COUNT(m.seq) FILTER (WHERE m.state = 1) AS leased,
             COUNT(m.seq) FILTER (WHERE m.state = 2) AS dead,
             COUNT(m.seq) FILTER (WHERE m.state = 3) AS grouped,
             MIN(m.available_at) FILTER (WHERE m.state = 0 AND m.available_at <= ${now}) AS oldest
        FROM queues q LEFT JOIN messages m ON m.queue = q.name
       GROUP BY q.name ORDER BY q.name`) as Array<Record<string, unknown>>;
    return rows.map((row) => ({ queue: row.name as string, stats: toStats(row, now) }));
  }
}

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
