import { sql } from "drizzle-orm";
import {
  bigint,
  bigserial,
  boolean,
  customType,
  doublePrecision,
  index,
  integer,
  pgTable,
  primaryKey,
  smallint,
  text,
  uniqueIndex,
} from "drizzle-orm/pg-core";

// The drizzle schema is the source of truth for the PostgreSQL tables, as sqlite/schema.ts is for
// SQLite; `scripts/db-generate --dialect postgres NAME` writes the migration, and
// `scripts/check-migrations` fails CI when either dialect drifts. Times are epoch milliseconds in
// bigint columns, like SQLite's integers, so both drivers share every time computation.

const bytea = customType<{ data: Buffer }>({ dataType: () => "bytea" });
const epochMs = (name: string) => bigint(name, { mode: "number" });

export const queues = pgTable("queues", {
  name: text("name").primaryKey(),
  /** JSON of QueueSettings. */
  settings: text("settings").notNull(),
  /**
   * Copy of settings.maxMessages, so SQL can tell bounded queues (whose live_count is kept and
   * whose row publishes lock) from unbounded ones without parsing JSON.
   */
  maxMessages: integer("max_messages").notNull().default(0),
  /** Messages not yet acked or dead; kept only while max_messages > 0. */
  liveCount: bigint("live_count", { mode: "number" }).notNull().default(0),
  /** When an operator paused the queue (receives and webhook delivery stop); NULL while running. */
  pausedAt: epochMs("paused_at"),
  createdAt: epochMs("created_at").notNull(),
  updatedAt: epochMs("updated_at").notNull(),
});

export const messages = pgTable(
  "messages",
  {
    // A sequence never hands out a number twice, so an old receipt (seq, generation) can never
    // fence a new message.
    seq: bigserial("seq", { mode: "number" }).primaryKey(),
    id: text("id").notNull(),
    queue: text("queue").notNull(),
    /** See MessageState: 0 ready, 1 leased, 2 dead, 3 queued behind its group. */
    state: smallint("state").notNull(),
    priority: integer("priority").notNull().default(0),
    availableAt: epochMs("available_at").notNull(),
    groupId: text("group_id"),
    dedupId: text("dedup_id"),
    body: text("body").notNull(),
    bodyIsBinary: boolean("body_is_binary").notNull().default(false),
    headers: text("headers"),
    attempts: integer("attempts").notNull().default(0),
    leaseGeneration: integer("lease_generation").notNull().default(0),
    leaseExpiresAt: epochMs("lease_expires_at"),
    /** 16 random bytes drawn at every lease and carried in its receipt (see domain/receipt.ts). */
    leaseToken: bytea("lease_token"),
    leaseOwner: text("lease_owner"),
    enqueuedAt: epochMs("enqueued_at").notNull(),
    lastError: text("last_error"),
    deadAt: epochMs("dead_at"),
  },
  (t) => [
    uniqueIndex("messages_id").on(t.id),
    // The claim order, ready rows only: `FOR UPDATE SKIP LOCKED … ORDER BY … LIMIT` walks this
    // index from its start, O(log n) in the backlog.
    index("messages_claim")
      .on(t.queue, sql`${t.priority} DESC`, t.availableAt, t.seq)
      .where(sql`${t.state} = 0`),
    index("messages_lease_expiry")
      .on(t.leaseExpiresAt)
      .where(sql`${t.state} = 1`),
    // Only leases an instance took for itself (webhook delivery) need finding by owner, to release
    // them at shutdown; receives over HTTP lease with no owner and add no entry here.
    index("messages_lease_owner")
      .on(t.leaseOwner)
      .where(sql`${t.state} = 1 AND ${t.leaseOwner} IS NOT NULL`),
    index("messages_dead")
      .on(t.queue, t.seq)
      .where(sql`${t.state} = 2`),
    index("messages_dead_expiry")
      .on(t.queue, t.deadAt)
      .where(sql`${t.state} = 2`),
    index("messages_group")
      .on(t.queue, t.groupId, t.seq)
      .where(sql`${t.groupId} IS NOT NULL AND ${t.state} <> 2`),
  ],
);

/**
 * How many messages each queue holds in each state, as of the last fold: stats add the deltas not
 * yet folded (queue_count_deltas). Never updated by the transactions that move messages, so no
 * counter row is hot across instances; only the leader's fold writes here.
 */
export const queueCounts = pgTable(
  "queue_counts",
  {
    queue: text("queue").notNull(),
    state: smallint("state").notNull(),
    n: bigint("n", { mode: "number" }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.queue, t.state] })],
);

/**
 * Append-only changes to queue_counts, one row per (statement, queue, state) that moved messages,
 * written by statement-level triggers on messages (migration 0005_queue_count_triggers) so every
 * transition is counted without each code path doing it; the leader folds them into queue_counts.
 */
export const queueCountDeltas = pgTable(
  "queue_count_deltas",
  {
    queue: text("queue").notNull(),
    state: smallint("state").notNull(),
    delta: bigint("delta", { mode: "number" }).notNull(),
  },
  (t) => [index("queue_count_deltas_queue").on(t.queue)],
);

export const dedupKeys = pgTable(
  "dedup_keys",
  {
    queue: text("queue").notNull(),
    dedupId: text("dedup_id").notNull(),
    messageId: text("message_id").notNull(),
    expiresAt: epochMs("expires_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.queue, t.dedupId] }), index("dedup_keys_expiry").on(t.expiresAt)],
);

export const topics = pgTable("topics", {
  name: text("name").primaryKey(),
  createdAt: epochMs("created_at").notNull(),
});

export const subscriptions = pgTable(
  "subscriptions",
  {
    topic: text("topic").notNull(),
    name: text("name").notNull(),
    queue: text("queue").notNull(),
    /** JSON of a header filter or NULL for everything. */
    filter: text("filter"),
    createdAt: epochMs("created_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.topic, t.name] })],
);

/** See sqlite/schema.ts: the endpoint state a delivery claim locks, shared by the fleet. */
export const webhookEndpoints = pgTable("webhook_endpoints", {
  queue: text("queue").primaryKey(),
  disabledAt: epochMs("disabled_at"),
  disabledReason: text("disabled_reason"),
  consecutiveFailures: integer("consecutive_failures").notNull().default(0),
  circuitOpenUntil: epochMs("circuit_open_until"),
  probeExpiresAt: epochMs("probe_expires_at"),
  tokens: doublePrecision("tokens").notNull().default(0),
  tokensAt: epochMs("tokens_at").notNull().default(0),
  previousSecret: text("previous_secret"),
  previousSecretExpiresAt: epochMs("previous_secret_expires_at"),
  updatedAt: epochMs("updated_at").notNull(),
});

export const webhookAttempts = pgTable(
  "webhook_attempts",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    queue: text("queue").notNull(),
    messageId: text("message_id").notNull(),
    attempt: integer("attempt").notNull(),
    at: epochMs("at").notNull(),
    outcome: text("outcome").notNull(),
    status: integer("status"),
    durationMs: integer("duration_ms").notNull(),
    error: text("error"),
    responseExcerpt: text("response_excerpt"),
  },
  (t) => [index("webhook_attempts_message").on(t.messageId, t.id)],
);
