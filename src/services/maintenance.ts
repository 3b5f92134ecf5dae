import type { Logger } from "../observability/logger.ts";
import type { Store } from "../storage/store.ts";
import { leadershipLog } from "./leadership-log.ts";
import { PeriodicService, type Service } from "./service.ts";

/** Rows each maintenance pass may touch, so one pass never holds the writer for long. */
const BATCH_LIMIT = 1000;
const LEASE_SWEEP_INTERVAL_MS = 1000;
const RETENTION_INTERVAL_MS = 60_000;

// Both run once per fleet: on the instance that holds the store's leadership; the others skip
// their turn and take over within one interval when the leader goes away.

/**
 * Returns expired leases to their queues (or the dead letters) even when nobody is receiving,
 * so stats and alerts see them; then folds the queue count changes the store appended (PostgreSQL)
 * into its counts, so stats read about one interval's worth of them, not the day's.
 */
export function leaseSweeper(store: Store, logger: Logger, clock: () => number = () => store.now()): Service {
  const leadership = leadershipLog(logger);
  return new PeriodicService(
    "lease-sweeper",
    LEASE_SWEEP_INTERVAL_MS,
    async () => {
      const leads = await store.holdsLeadership();
      leadership(leads);
      if (!leads) return;
      const released = await store.maintenance.releaseExpiredLeases(clock(), BATCH_LIMIT);
      if (released > 0) logger.debug("released expired leases", { count: released });
      await store.maintenance.foldQueueCounts();
    },
    logger,
  );
}

/**
 * Deletes dead letters past their queue's retention, dedup keys past their window, and webhook
 * attempts whose message is gone (acked, purged, or its dead letter expired).
 */
export function retention(store: Store, logger: Logger, clock: () => number = () => store.now()): Service {
  return new PeriodicService(
    "retention",
    RETENTION_INTERVAL_MS,
    async () => {
      if (!(await store.holdsLeadership())) return;
      let deadLetters = 0;
      let dedupKeys = 0;
      // Batches until caught up, yielding to other writers between them.
      for (;;) {
        const removed = await store.maintenance.deleteExpiredDeadLetters(clock(), BATCH_LIMIT);
        deadLetters += removed;
        if (removed < BATCH_LIMIT) break;
      }
      for (;;) {
        const removed = await store.maintenance.deleteExpiredDedupKeys(clock(), BATCH_LIMIT);
        dedupKeys += removed;
        if (removed < BATCH_LIMIT) break;
      }
      let attempts = 0;
      for (;;) {
        const removed = await store.deliveries.deleteOrphanAttempts(BATCH_LIMIT);
        attempts += removed;
        if (removed < BATCH_LIMIT) break;
      }
      if (deadLetters + dedupKeys + attempts > 0)
        logger.info("retention removed expired rows", {
          dead_letters: deadLetters,
          dedup_keys: dedupKeys,
          webhook_attempts: attempts,
        });
    },
    logger,
  );
}
