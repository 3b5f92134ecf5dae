import { SQL } from "bun";
import type { CopyDedupKeyRow, CopyMessageRow, CopyQueueRow, CopySubscriptionRow, CopyTopicRow } from "../copy-rows.ts";
import { num, rows } from "./db.ts";
import { migratePostgres } from "./migrate.ts";
import { clientTls } from "./tls.ts";

/** A message id the target already holds: copying it would make two messages of one id. */
export class DuplicateMessageIdError extends Error {
  override readonly name = "DuplicateMessageIdError";
  constructor(readonly ids: string[]) {
    super(
      `the target already holds message id(s) ${ids.slice(0, 5).join(", ")}${ids.length > 5 ? ` and ${ids.length - 5} more` : ""}; ` +
        "that source was probably copied into it before. Nothing of it was copied; copy into a fresh database instead",
    );
  }
}

export interface WriteCounts {
  inserted: number;
  /** Already in the target (non-empty mode): the target's row was kept. */
  kept: number;
}

const UNIQUE_VIOLATION = "23505";
const NUL = "\u0000";
/** U+FFFD REPLACEMENT CHARACTER, what a character that cannot be kept becomes. */
const REPLACEMENT = "\uFFFD";

/**
 * Writes `millrace copy`'s rows into a PostgreSQL database, a batch per transaction: one
 * multi-row INSERT from parallel arrays (unnest), as the publish path does, so a batch is one
 * round trip whatever its size. Rows keep their ids, states and counters exactly; the only
 * translation is SQLite's 0/1 to boolean and the lease token through hex (bytea arrays are not
 * something Bun's client binds).
 */
export class PgBulkWriter {
  /**
   * Values that held U+0000. SQLite text keeps it (group ids, dedup ids and nack errors arrive as
   * the client sent them); PostgreSQL text cannot store it at all and would fail the batch, so it
   * becomes U+FFFD, the same everywhere, which keeps a group a group and a dedup key matching its
   * messages. Bodies and headers are JSON text, where it is escaped, so they never hold one.
   */
  replacedNul = 0;

  private constructor(private readonly sql: SQL) {}

  private text(value: string): string;
  private text(value: string | null): string | null;
  private text(value: string | null): string | null {
    if (value === null || !value.includes(NUL)) return value;
    this.replacedNul += 1;
    return value.replaceAll(NUL, REPLACEMENT);
  }

  /** Connects (one connection: the writes are sequential) and applies the driver's migrations. */
  static async open(
    url: string,
    caFile: string | null,
    connectTimeoutSeconds: number,
  ): Promise<{ writer: PgBulkWriter; migrations: string[] }> {
    // No statement timeout: a batch on a slow disk may take long, and nobody is waiting on a request.
    const sql = new SQL({
      url,
      ...clientTls(caFile),
      max: 1,
      connectionTimeout: connectTimeoutSeconds,
      connection: { statement_timeout: 0 },
    });
    try {
      const migrations = await migratePostgres(sql);
      return { writer: new PgBulkWriter(sql), migrations };
    } catch (error) {
      await sql.close().catch(() => undefined);
      throw error;
    }
  }

  /** What the target already holds, table by table; all zero for a fresh database. */
  async contents(): Promise<Record<"queues" | "topics" | "subscriptions" | "messages" | "dedupKeys", number>> {
    const [row] = await rows(this.sql`
      SELECT (SELECT COUNT(*) FROM queues) AS queues, (SELECT COUNT(*) FROM topics) AS topics,
             (SELECT COUNT(*) FROM subscriptions) AS subscriptions, (SELECT COUNT(*) FROM messages) AS messages,
             (SELECT COUNT(*) FROM dedup_keys) AS dedup_keys`);
    return {
      queues: num(row!.queues),
      topics: num(row!.topics),
      subscriptions: num(row!.subscriptions),
      messages: num(row!.messages),
      dedupKeys: num(row!.dedup_keys),
    };
  }

  /** Which of `ids` the target already holds. */
  async existingIds(ids: string[]): Promise<string[]> {
    const found = await rows<{ id: string }>(this.sql`SELECT id FROM messages WHERE id = ANY(${ids}::text[])`);
    return found.map((row) => row.id);
  }

  async writeQueues(queues: CopyQueueRow[]): Promise<WriteCounts> {
    if (queues.length === 0) return { inserted: 0, kept: 0 };
    // max_messages mirrors settings.maxMessages (see schema.ts); live_count is recounted at the end.
    const maxMessages = queues.map((q) => (JSON.parse(q.settings) as { maxMessages?: number }).maxMessages ?? 0);
    const inserted = await rows(this.sql`
      INSERT INTO queues (name, settings, max_messages, live_count, created_at, updated_at)
      SELECT name, settings, max_messages, 0, created_at, updated_at
        FROM unnest(${queues.map((q) => q.name)}::text[], ${queues.map((q) => q.settings)}::text[],
                    ${maxMessages}::int4[], ${queues.map((q) => q.createdAt)}::int8[], ${queues.map((q) => q.updatedAt)}::int8[])
             AS t(name, settings, max_messages, created_at, updated_at)
      ON CONFLICT (name) DO NOTHING RETURNING name`);
    return { inserted: inserted.length, kept: queues.length - inserted.length };
  }

  async writeTopics(topics: CopyTopicRow[]): Promise<WriteCounts> {
    if (topics.length === 0) return { inserted: 0, kept: 0 };
    const inserted = await rows(this.sql`
      INSERT INTO topics (name, created_at)
      SELECT name, created_at FROM unnest(${topics.map((t) => t.name)}::text[], ${topics.map((t) => t.createdAt)}::int8[])
             AS t(name, created_at)
      ON CONFLICT (name) DO NOTHING RETURNING name`);
    return { inserted: inserted.length, kept: topics.length - inserted.length };
  }

  async writeSubscriptions(subscriptions: CopySubscriptionRow[]): Promise<WriteCounts> {
    if (subscriptions.length === 0) return { inserted: 0, kept: 0 };
    const s = subscriptions;
    const inserted = await rows(this.sql`
      INSERT INTO subscriptions (topic, name, queue, filter, created_at)
      SELECT topic, name, queue, filter, created_at
        FROM unnest(${s.map((x) => x.topic)}::text[], ${s.map((x) => x.name)}::text[], ${s.map((x) => x.queue)}::text[],
                    ${s.map((x) => this.text(x.filter))}::text[], ${s.map((x) => x.createdAt)}::int8[])
             AS t(topic, name, queue, filter, created_at)
      ON CONFLICT (topic, name) DO NOTHING RETURNING name`);
    return { inserted: inserted.length, kept: s.length - inserted.length };
  }

  /** A key the target holds already keeps whichever of the two expires later. */
  async writeDedupKeys(keys: CopyDedupKeyRow[]): Promise<void> {
    if (keys.length === 0) return;
    await this.sql.begin(
      (tx) => tx`
        INSERT INTO dedup_keys (queue, dedup_id, message_id, expires_at)
        SELECT queue, dedup_id, message_id, expires_at
          FROM unnest(${keys.map((k) => k.queue)}::text[], ${keys.map((k) => this.text(k.dedupId))}::text[],
                      ${keys.map((k) => k.messageId)}::text[], ${keys.map((k) => k.expiresAt)}::int8[])
               AS t(queue, dedup_id, message_id, expires_at)
        ON CONFLICT (queue, dedup_id) DO UPDATE SET message_id = excluded.message_id, expires_at = excluded.expires_at
         WHERE dedup_keys.expires_at < excluded.expires_at`,
    );
  }

  /**
   * Reserves sequence numbers for the copied messages and returns the offset to add to each
   * source seq. A target whose sequence never handed out a number gets offset 0: sequence numbers,
   * and with them the receipts of leases in flight, stay valid. Otherwise the copied messages
   * move past everything the target has used, in their own order. The sequence is then set past
   * the reserved range under a lock that keeps publishes out for that instant, so no instance
   * can be handed a number the copy will use.
   */
  async reserveSequence(sourceHighestSeq: number): Promise<number> {
    return this.sql.begin(async (tx) => {
      await tx`LOCK TABLE messages IN SHARE ROW EXCLUSIVE MODE`;
      // messages_seq_seq: the sequence PostgreSQL made for the bigserial column (see the migration).
      const [state] = await rows(tx`
        SELECT last_value, is_called, (SELECT MAX(seq) FROM messages) AS max_seq FROM messages_seq_seq`);
      const used = state!.is_called === true ? num(state!.last_value) : 0;
      const offset = Math.max(used, num(state!.max_seq ?? 0));
      const top = offset + sourceHighestSeq;
      if (top > 0) await tx`SELECT setval('messages_seq_seq', ${top}, true)`;
      return offset;
    });
  }

  /** One batch of messages in one transaction. Throws DuplicateMessageIdError if an id is taken. */
  async writeMessages(batch: CopyMessageRow[], seqOffset: number): Promise<void> {
    if (batch.length === 0) return;
    const m = batch;
    try {
      await this.sql.begin(
        (tx) => tx`
          INSERT INTO messages (seq, id, queue, state, priority, available_at, group_id, dedup_id, body, body_is_binary,
                                headers, attempts, lease_generation, lease_expires_at, lease_token, lease_owner,
                                enqueued_at, last_error, dead_at)
          SELECT seq, id, queue, state, priority, available_at, group_id, dedup_id, body, body_is_binary,
                 headers, attempts, lease_generation, lease_expires_at, decode(lease_token, 'hex'), lease_owner,
                 enqueued_at, last_error, dead_at
            FROM unnest(${m.map((r) => r.seq + seqOffset)}::int8[], ${m.map((r) => r.id)}::text[],
                        ${m.map((r) => r.queue)}::text[], ${m.map((r) => r.state)}::int2[],
                        ${m.map((r) => r.priority)}::int4[], ${m.map((r) => r.available_at)}::int8[],
                        ${m.map((r) => this.text(r.group_id))}::text[], ${m.map((r) => this.text(r.dedup_id))}::text[],
                        ${m.map((r) => this.text(r.body))}::text[], ${m.map((r) => r.body_is_binary === 1)}::bool[],
                        ${m.map((r) => this.text(r.headers))}::text[], ${m.map((r) => r.attempts)}::int4[],
                        ${m.map((r) => r.lease_generation)}::int4[], ${m.map((r) => r.lease_expires_at)}::int8[],
                        ${m.map((r) => (r.lease_token === null ? null : Buffer.from(r.lease_token).toString("hex")))}::text[],
                        ${m.map((r) => r.lease_owner)}::text[], ${m.map((r) => r.enqueued_at)}::int8[],
                        ${m.map((r) => this.text(r.last_error))}::text[], ${m.map((r) => r.dead_at)}::int8[])
                 AS t(seq, id, queue, state, priority, available_at, group_id, dedup_id, body, body_is_binary,
                      headers, attempts, lease_generation, lease_expires_at, lease_token, lease_owner,
                      enqueued_at, last_error, dead_at)`,
      );
    } catch (error) {
      if ((error as { errno?: unknown }).errno !== UNIQUE_VIOLATION) throw error;
      // Which ids: the batch was rolled back whole, so asking now names exactly the clashing ones.
      const taken = await this.existingIds(batch.map((row) => row.id));
      if (taken.length > 0) throw new DuplicateMessageIdError(taken);
      throw error;
    }
  }

  /** Bounded queues' live_count made exact again (the publish path's maxMessages check reads it). */
  async recountLiveMessages(): Promise<void> {
    await this.sql`
      UPDATE queues q SET live_count = (SELECT COUNT(*) FROM messages m WHERE m.queue = q.name AND m.state <> 2)
       WHERE q.max_messages > 0`;
  }

  async close(): Promise<void> {
    await this.sql.close();
  }
}
