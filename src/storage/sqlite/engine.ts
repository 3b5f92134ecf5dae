import type { Database } from "bun:sqlite";
import { SqliteContext } from "./context.ts";
import { SqliteDeadLetterStore } from "./dead-letter-store.ts";
import { SqliteDeliveryStore } from "./delivery-store.ts";
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
  readonly deliveries: SqliteDeliveryStore;
  private readonly ctx: SqliteContext;

  constructor(readonly db: Database) {
    const ctx = new SqliteContext(db);
    this.ctx = ctx;
    const lifecycle = new MessageLifecycle(ctx);
    this.queues = new SqliteQueueStore(ctx, lifecycle);
    this.messages = new SqliteMessageStore(ctx, lifecycle);
    this.deadLetters = new SqliteDeadLetterStore(ctx, lifecycle);
    this.topics = new SqliteTopicStore(ctx, this.messages);
    this.maintenance = new SqliteMaintenanceStore(ctx, lifecycle);
    this.deliveries = new SqliteDeliveryStore(ctx, this.messages);
  }

  ping(): void {
    this.db.query("SELECT 1").get();
  }

  /** Writes the rows publishes left pending; before any other operation and before COMMIT. */
  flushWrites(): void {
    this.messages.inserter.flush();
  }

  /** An operation rolled back to its savepoint: the rows it left pending go with it. */
  discardWrites(): void {
    this.messages.inserter.discard();
  }

  /** Called when a whole transaction was lost: nothing cached or noted from it may survive. */
  forgetCaches(): void {
    this.messages.inserter.discard();
    this.ctx.forgetAllQueues();
    this.ctx.takeReady();
  }

  /** Ready-notes are kept per operation: one rolled back to its savepoint drops its own. */
  readyMark(): number {
    return this.ctx.readyMark();
  }

  dropReadySince(mark: number): void {
    this.ctx.dropReadySince(mark);
  }

  /** What became ready out of sight in the transaction just committed. */
  takeReady(): Array<[queue: string, count: number]> {
    return this.ctx.takeReady();
  }

  /**
   * A real write with no net effect, so that readiness can tell when space has come back while
   * no client is writing: the dirtied page must reach the WAL at COMMIT, which needs free space.
   */
  probeWrite(): void {
    const tag = "millrace-disk-probe";
    this.db.query("INSERT INTO millrace_migrations (tag, applied_at) VALUES (?, ?)").run(tag, Date.now());
    this.db.query("DELETE FROM millrace_migrations WHERE tag = ?").run(tag);
  }
}

export type Aggregate = "queues" | "messages" | "deadLetters" | "topics" | "maintenance" | "deliveries";
export const AGGREGATES: readonly Aggregate[] = [
  "queues",
  "messages",
  "deadLetters",
  "topics",
  "maintenance",
  "deliveries",
];
