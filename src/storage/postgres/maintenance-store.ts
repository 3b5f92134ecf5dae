import type { MaintenanceStore, TransitionCount } from "../store.ts";
import { affected, num, type PgDatabase, type TransitionCounter } from "./db.ts";
import { releaseExpiredIfDue } from "./lifecycle.ts";
import { toQueueRecord } from "./rows.ts";

export class PgMaintenanceStore implements MaintenanceStore {
  constructor(
    private readonly db: PgDatabase,
    private readonly counter: TransitionCounter,
  ) {}

  takeTransitionCounts(): Promise<TransitionCount[]> {
    return Promise.resolve(this.counter.take());
  }

  releaseExpiredLeases(now: number, limit: number): Promise<number> {
    return releaseExpiredIfDue(this.db, null, now, limit);
  }

  async deleteExpiredDeadLetters(now: number, limit: number): Promise<number> {
    // Retention is a per-queue setting, so each queue gets its own cut-off (and index range).
    const queues = ((await this.db.sql`SELECT * FROM queues ORDER BY name`) as Array<Record<string, unknown>>).map(
      toQueueRecord,
    );
    let removed = 0;
    for (const queue of queues) {
      if (removed >= limit) break;
      const cutoff = now - queue.settings.retentionSeconds * 1000;
      const deleted = await affected(this.db.sql`
        DELETE FROM messages WHERE seq IN (
          SELECT seq FROM messages WHERE queue = ${queue.name} AND state = 2 AND dead_at <= ${cutoff}
           ORDER BY dead_at LIMIT ${limit - removed})`);
      removed += deleted;
    }
    return removed;
  }

  async foldQueueCounts(): Promise<number> {
    // One statement, so one transaction: a stats read sees the deltas either still in
    // queue_count_deltas or already in queue_counts, never both or neither. Deltas of
    // transactions still running are not visible to the DELETE and wait for the next fold.
    const [row] = (await this.db.sql`
      WITH moved AS (DELETE FROM queue_count_deltas RETURNING queue, state, delta),
      folded AS (
        INSERT INTO queue_counts (queue, state, n)
        SELECT queue, state, sum(delta) FROM moved GROUP BY queue, state
        ON CONFLICT (queue, state) DO UPDATE SET n = queue_counts.n + excluded.n
      )
      SELECT count(*) AS moved FROM moved`) as Array<{ moved: unknown }>;
    return num(row?.moved ?? 0);
  }

  async deleteExpiredDedupKeys(now: number, limit: number): Promise<number> {
    const deleted = await affected(this.db.sql`
      DELETE FROM dedup_keys WHERE ctid IN (SELECT ctid FROM dedup_keys WHERE expires_at <= ${now} LIMIT ${limit})`);
    return deleted;
  }
}
