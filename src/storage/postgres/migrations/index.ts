import journal from "./meta/_journal.json";
import init from "./0000_init.sql" with { type: "text" };
import queueTableAutovacuum from "./0001_queue_table_autovacuum.sql" with { type: "text" };
import webhookDeliveries from "./0002_webhook_deliveries.sql" with { type: "text" };
import queuePaused from "./0003_queue_paused.sql" with { type: "text" };
import queueCounts from "./0004_queue_counts.sql" with { type: "text" };
import queueCountTriggers from "./0005_queue_count_triggers.sql" with { type: "text" };
import ownedLeasesOnly from "./0006_owned_leases_only.sql" with { type: "text" };

/**
 * Every PostgreSQL migration drizzle-kit generated, embedded in the binary as text. Add the import
 * of a new file here; `src/storage/postgres/migrate.test.ts` fails when this list and the journal differ.
 */
export const POSTGRES_MIGRATIONS: ReadonlyArray<{ tag: string; sql: string }> = [
  { tag: "0000_init", sql: init },
  { tag: "0001_queue_table_autovacuum", sql: queueTableAutovacuum },
  { tag: "0002_webhook_deliveries", sql: webhookDeliveries },
  { tag: "0003_queue_paused", sql: queuePaused },
  { tag: "0004_queue_counts", sql: queueCounts },
  { tag: "0005_queue_count_triggers", sql: queueCountTriggers },
  { tag: "0006_owned_leases_only", sql: ownedLeasesOnly },
];

export const POSTGRES_MIGRATION_JOURNAL_TAGS: readonly string[] = journal.entries.map((entry) => entry.tag);
