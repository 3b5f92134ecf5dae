import type { Database } from "bun:sqlite";
import { SqliteContext } from "./context.ts";
import { SqliteDeadLetterStore } from "./dead-letter-store.ts";
import { MessageLifecycle } from "./lifecycle.ts";
import { SqliteMaintenanceStore } from "./maintenance-store.ts";
import { SqliteMessageStore } from "./message-store.ts";
import { SqliteQueueStore } from "./queue-store.ts";
import { SqliteTopicStore } from "./topic-store.ts";

/** The synchronous SQLite store: every aggregate over one connection. Lives in the writer thread. */
export class SqliteEngine {
  readonly queues: SqliteQueueStore;
  readonly messages: SqliteMessageStore;
  readonly deadLetters: SqliteDeadLetterStore;
  readonly topics: SqliteTopicStore;
  readonly maintenance: SqliteMaintenanceStore;

  constructor(readonly db: Database) {
    const ctx = new SqliteContext(db);
    const lifecycle = new MessageLifecycle(ctx);
    this.queues = new SqliteQueueStore(ctx, lifecycle);
    this.messages = new SqliteMessageStore(ctx, lifecycle);
    this.deadLetters = new SqliteDeadLetterStore(ctx, lifecycle);
    this.topics = new SqliteTopicStore(ctx, this.messages);
    this.maintenance = new SqliteMaintenanceStore(ctx, lifecycle);
  }

  ping(): void {
    this.db.query("SELECT 1").get();
  }
}

export type Aggregate = "queues" | "messages" | "deadLetters" | "topics" | "maintenance";
export const AGGREGATES: readonly Aggregate[] = ["queues", "messages", "deadLetters", "topics", "maintenance"];
