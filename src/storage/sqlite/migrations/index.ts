import journal from "./meta/_journal.json";
import init from "./0000_init.sql" with { type: "text" };
import leaseTokenAndOwner from "./0001_lease_token_and_owner.sql" with { type: "text" };
import webhookDeliveries from "./0002_webhook_deliveries.sql" with { type: "text" };
import queuePaused from "./0003_queue_paused.sql" with { type: "text" };
import queueCounts from "./0004_queue_counts.sql" with { type: "text" };
import queueCountsTriggers from "./0005_queue_counts_triggers.sql" with { type: "text" };

/**
 * Every migration drizzle-kit generated, embedded in the binary as text. Add the import of a
 * new file here; `src/storage/sqlite/migrate.test.ts` fails when this list and the journal differ.
 */
export const SQLITE_MIGRATIONS: ReadonlyArray<{ tag: string; sql: string }> = [
  { tag: "0000_init", sql: init },
  { tag: "0001_lease_token_and_owner", sql: leaseTokenAndOwner },
  { tag: "0002_webhook_deliveries", sql: webhookDeliveries },
  { tag: "0003_queue_paused", sql: queuePaused },
  { tag: "0004_queue_counts", sql: queueCounts },
  { tag: "0005_queue_counts_triggers", sql: queueCountsTriggers },
];

export const SQLITE_MIGRATION_JOURNAL_TAGS: readonly string[] = journal.entries.map((entry) => entry.tag);
