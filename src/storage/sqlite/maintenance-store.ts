import type { MaintenanceStore, TransitionCount } from "../store.ts";
import type { Synchronous } from "./synchronous.ts";
import { toQueueRecord, type SqliteContext } from "./context.ts";
import * as schema from "./schema.ts";
import type { MessageLifecycle } from "./lifecycle.ts";

export class SqliteMaintenanceStore implements Synchronous<MaintenanceStore> {
  constructor(
    private readonly ctx: SqliteContext,
    private readonly lifecycle: MessageLifecycle,
  ) {}

  takeTransitionCounts(): TransitionCount[] {
    return this.ctx.takeTransitions();
  }

  releaseExpiredLeases(now: number, limit: number): number {
    return this.lifecycle.releaseExpired(null, now, limit);
  }

  deleteExpiredDeadLetters(now: number, limit: number): number {
    // Retention is a per-queue setting, so each queue gets its own cut-off (and index range).
    const remove = this.ctx.db.query(
      `DELETE FROM messages WHERE seq IN (
         SELECT seq FROM messages WHERE queue = ? AND state = 2 AND dead_at <= ? ORDER BY dead_at LIMIT ?)`,
    );
    let removed = 0;
    for (const queue of this.ctx.orm.select().from(schema.queues).all().map(toQueueRecord)) {
      if (removed >= limit) break;
      removed += remove.run(queue.name, now - queue.settings.retentionSeconds * 1000, limit - removed).changes;
    }
    return removed;
  }

  /** Nothing to fold: SQLite's row triggers keep queue_counts exact as messages move. */
  foldQueueCounts(): number {
    return 0;
  }

  deleteExpiredDedupKeys(now: number, limit: number): number {
    return this.ctx.db
      .query("DELETE FROM dedup_keys WHERE rowid IN (SELECT rowid FROM dedup_keys WHERE expires_at <= ? LIMIT ?)")
      .run(now, limit).changes;
  }
}
