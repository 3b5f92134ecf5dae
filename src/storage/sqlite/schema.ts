import { sql } from "drizzle-orm";
import { blob, index, integer, primaryKey, real, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

// The drizzle schema is the source of truth for the SQLite tables; `scripts/db-generate`
// turns changes into SQL migrations under ./migrations, and `scripts/check-migrations`
// fails CI when the two drift apart. Times are epoch milliseconds.

export const queues = sqliteTable("queues", {
  name: text("name").primaryKey(),
  /** JSON of QueueSettings. */
  settings: text("settings").notNull(),
  /** Messages not yet acked or dead-lettered; kept in step so `maxMessages` is an O(1) check. */
  liveCount: integer("live_count").notNull().default(0),
  /** When an operator paused the queue (receives and webhook delivery stop); NULL while running. */
  pausedAt: integer("paused_at"),
  createdAt: integer("created_at").notNull(),
  updatedAt: integer("updated_at").notNull(),
});

export const messages = sqliteTable(
  "messages",
  {
    // AUTOINCREMENT (declared in the migration) so a sequence number is never reused;
    // receipts name (seq, generation), and reuse would let an old receipt fence a new message.
    seq: integer("seq").primaryKey({ autoIncrement: true }),
    id: text("id").notNull(),
    queue: text("queue").notNull(),
    /** See MessageState: 0 ready, 1 leased, 2 dead, 3 queued behind its group. */
    state: integer("state").notNull(),
    priority: integer("priority").notNull().default(0),
    availableAt: integer("available_at").notNull(),
    groupId: text("group_id"),
    dedupId: text("dedup_id"),
    body: text("body").notNull(),
    bodyIsBinary: integer("body_is_binary").notNull().default(0),
    headers: text("headers"),
    attempts: integer("attempts").notNull().default(0),
    leaseGeneration: integer("lease_generation").notNull().default(0),
    leaseExpiresAt: integer("lease_expires_at"),
    /**
     * 16 random bytes drawn at every lease and carried in its receipt: (seq, generation) alone can
     * be counted, so only the holder of the token may settle the lease. NULL when never leased.
     */
    leaseToken: blob("lease_token", { mode: "buffer" }),
    /** The instance that holds the lease, so a stopping instance can give back exactly its own. */
    leaseOwner: text("lease_owner"),
    enqueuedAt: integer("enqueued_at").notNull(),
    lastError: text("last_error"),
    deadAt: integer("dead_at"),
  },
  (t) => [
    uniqueIndex("messages_id").on(t.id),
    // Serves the claim order: priority first (higher wins), then availableAt, then publish order.
    index("messages_claim").on(t.queue, t.state, sql`${t.priority} DESC`, t.availableAt, t.seq),
    index("messages_lease_expiry")
      .on(t.queue, t.leaseExpiresAt)
      .where(sql`${t.state} = 1`),
    index("messages_dead")
      .on(t.queue, t.seq)
      .where(sql`${t.state} = 2`),
    index("messages_dead_expiry")
      .on(t.queue, t.deadAt)
      .where(sql`${t.state} = 2`),
    // Live members of ordering groups only: dead letters leave their group.
    index("messages_group")
      .on(t.queue, t.groupId, t.seq)
      .where(sql`${t.groupId} IS NOT NULL AND ${t.state} <> 2`),
  ],
);

/**
 * How many messages each queue holds in each state (see MessageState), so stats cost the same at
 * 10M messages as at 10. Kept exact by row-level triggers on `messages` (migration
 * 0005_queue_counts_triggers), not by the code paths that move messages: every transition
 * (publish, lease, ack, nack, expiry, dead-lettering, redrive, group promotion, purge, retention,
 * queue delete, release at shutdown) is an INSERT, DELETE or UPDATE of state/queue there, so no
 * path can forget to count. A row reaches n = 0 rather than disappearing; deleting a queue drops its rows.
 */
export const queueCounts = sqliteTable(
  "queue_counts",
  {
    queue: text("queue").notNull(),
    state: integer("state").notNull(),
    n: integer("n").notNull(),
  },
  (t) => [primaryKey({ columns: [t.queue, t.state] })],
);

export const dedupKeys = sqliteTable(
  "dedup_keys",
  {
    queue: text("queue").notNull(),
    dedupId: text("dedup_id").notNull(),
    messageId: text("message_id").notNull(),
    expiresAt: integer("expires_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.queue, t.dedupId] }), index("dedup_keys_expiry").on(t.expiresAt)],
);

export const topics = sqliteTable("topics", {
  name: text("name").primaryKey(),
  createdAt: integer("created_at").notNull(),
});

export const subscriptions = sqliteTable(
  "subscriptions",
  {
    topic: text("topic").notNull(),
    name: text("name").notNull(),
    queue: text("queue").notNull(),
    /** JSON of a header filter ({"type": ["a","b"]}) or NULL for everything. */
    filter: text("filter"),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.topic, t.name] })],
);

/**
 * Per delivery queue, what the fleet shares about its endpoint: disabled by a 410, the circuit
 * breaker, the token bucket of maxPerSecond, and the previous secret during a rotation overlap.
 * The row is the lock every delivery claim of the queue takes.
 */
export const webhookEndpoints = sqliteTable("webhook_endpoints", {
  queue: text("queue").primaryKey(),
  disabledAt: integer("disabled_at"),
  disabledReason: text("disabled_reason"),
  consecutiveFailures: integer("consecutive_failures").notNull().default(0),
  /** Set while the circuit is open (until then) or half-open (after it); NULL when closed. */
  circuitOpenUntil: integer("circuit_open_until"),
  /** The half-open probe's lease: while in the future, no other probe is sent. */
  probeExpiresAt: integer("probe_expires_at"),
  tokens: real("tokens").notNull().default(0),
  tokensAt: integer("tokens_at").notNull().default(0),
  previousSecret: text("previous_secret"),
  previousSecretExpiresAt: integer("previous_secret_expires_at"),
  updatedAt: integer("updated_at").notNull(),
});

/** One row per webhook attempt; deleted in batches once its message is gone. */
export const webhookAttempts = sqliteTable(
  "webhook_attempts",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    queue: text("queue").notNull(),
    messageId: text("message_id").notNull(),
    attempt: integer("attempt").notNull(),
    at: integer("at").notNull(),
    outcome: text("outcome").notNull(),
    status: integer("status"),
    durationMs: integer("duration_ms").notNull(),
    error: text("error"),
    responseExcerpt: text("response_excerpt"),
  },
  (t) => [index("webhook_attempts_message").on(t.messageId, t.id)],
);
