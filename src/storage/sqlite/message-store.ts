import { queueFull } from "../../domain/errors.ts";
import { newMessageId } from "../../domain/ids.ts";
import {
  stateName,
  type LeaseOutcome,
  type LeasedMessage,
  type MessageRecord,
  type NewMessage,
  type PublishResult,
} from "../../domain/message.ts";
import { decodeReceipt, encodeReceipt, type ReceiptParts } from "../../domain/receipt.ts";
import type { ExtendItem, MessageStore, NackItem, Synchronous } from "../store.ts";
import type { SqliteContext } from "./context.ts";
import type { LeasedRow, MessageLifecycle } from "./lifecycle.ts";

/** How many expired leases one receive call turns over before claiming; the sweeper does the rest. */
const EXPIRED_LEASES_PER_RECEIVE = 1000;

export interface MessageRow {
  seq: number;
  id: string;
  queue: string;
  state: number;
  priority: number;
  available_at: number;
  group_id: string | null;
  dedup_id: string | null;
  body: string;
  body_is_binary: number;
  headers: string | null;
  attempts: number;
  lease_generation: number;
  lease_expires_at: number | null;
  enqueued_at: number;
  last_error: string | null;
  dead_at: number | null;
}

export function toMessageRecord(row: MessageRow, now: number): MessageRecord {
  const name = stateName(row.state);
  return {
    id: row.id,
    queue: row.queue,
    state: name === "ready" && row.available_at > now ? "delayed" : name,
    body: row.body,
    bodyIsBinary: row.body_is_binary === 1,
    headers: row.headers,
    priority: row.priority,
    groupId: row.group_id,
    dedupId: row.dedup_id,
    attempts: row.attempts,
    enqueuedAt: row.enqueued_at,
    availableAt: row.available_at,
    leaseExpiresAt: row.state === 1 ? row.lease_expires_at : null,
    lastError: row.last_error,
    deadAt: row.dead_at,
  };
}

export class SqliteMessageStore implements Synchronous<MessageStore> {
  constructor(
    private readonly ctx: SqliteContext,
    private readonly lifecycle: MessageLifecycle,
  ) {}

  /** Relies on running atomically (the writer wraps each operation in a savepoint) to undo a batch that overflows. */
  publish(queue: string, messages: NewMessage[], now: number): PublishResult[] {
    const { maxMessages, dedupWindowSeconds } = this.ctx.requireQueue(queue).settings;
    const insert = this.ctx.db.query(
      `INSERT INTO messages (id, queue, state, priority, available_at, group_id, dedup_id, body, body_is_binary, headers, enqueued_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    const rememberDedup = this.ctx.db.query(
      `INSERT INTO dedup_keys (queue, dedup_id, message_id, expires_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (queue, dedup_id) DO UPDATE SET message_id = excluded.message_id, expires_at = excluded.expires_at`,
    );
    let inserted = 0;
    const results = messages.map((message): PublishResult => {
      if (message.dedupId !== null) {
        const original = this.findDedup(queue, message.dedupId, now);
        if (original !== null) return { id: original, duplicate: true };
      }
      const id = newMessageId();
      insert.run(
        id,
        queue,
        this.lifecycle.entryState(queue, message.groupId),
        message.priority,
        message.availableAt,
        message.groupId,
        message.dedupId,
        message.body,
        message.bodyIsBinary ? 1 : 0,
        message.headers,
        now,
      );
      if (message.dedupId !== null) rememberDedup.run(queue, message.dedupId, id, now + dedupWindowSeconds * 1000);
      inserted += 1;
      return { id, duplicate: false };
    });
    if (inserted === 0) return results;
    if (maxMessages > 0 && this.ctx.liveCount(queue) + inserted > maxMessages) throw queueFull(queue, maxMessages);
    this.ctx.adjustLiveCount(queue, inserted);
    return results;
  }

  lease(queue: string, max: number, visibilityMs: number | null, now: number): LeasedMessage[] {
    const record = this.ctx.requireQueue(queue);
    this.lifecycle.releaseExpired(queue, now, EXPIRED_LEASES_PER_RECEIVE);
    const expiresAt = now + (visibilityMs ?? record.settings.visibilityTimeoutSeconds * 1000);
    const rows = this.ctx.db
      .query<MessageRow, [number, string, number, number]>(
        `UPDATE messages
            SET state = 1, attempts = attempts + 1, lease_generation = lease_generation + 1, lease_expires_at = ?1
          WHERE seq IN (SELECT seq FROM messages
                         WHERE queue = ?2 AND state = 0 AND available_at <= ?3
                         ORDER BY priority DESC, available_at, seq LIMIT ?4)
          RETURNING *`,
      )
      .all(expiresAt, queue, now, max);
    // RETURNING gives no order guarantee; hand messages out in claim order.
    rows.sort((a, b) => b.priority - a.priority || a.available_at - b.available_at || a.seq - b.seq);
    return rows.map((row) => ({
      id: row.id,
      receipt: encodeReceipt(row.seq, row.lease_generation),
      body: row.body,
      bodyIsBinary: row.body_is_binary === 1,
      headers: row.headers,
      priority: row.priority,
      groupId: row.group_id,
      attempts: row.attempts,
      enqueuedAt: row.enqueued_at,
      leaseExpiresAt: expiresAt,
      lastError: row.last_error,
    }));
  }

  ack(queue: string, receipts: string[], now: number): LeaseOutcome[] {
    const remove = this.ctx.db.query<{ group_id: string | null }, [number, string, number, number]>(
      `DELETE FROM messages WHERE seq = ? AND queue = ? AND state = 1 AND lease_generation = ? AND lease_expires_at > ?
       RETURNING group_id`,
    );
    let removed = 0;
    const outcomes = receipts.map((receipt): LeaseOutcome => {
      const parts = decodeReceipt(receipt);
      const row = parts && remove.get(parts.seq, queue, parts.generation, now);
      if (!row) return "lease_lost";
      removed += 1;
      if (row.group_id !== null) this.lifecycle.promoteGroup(queue, row.group_id);
      return "ok";
    });
    this.ctx.adjustLiveCount(queue, -removed);
    return outcomes;
  }

  nack(queue: string, items: NackItem[], now: number): LeaseOutcome[] {
    const record = this.ctx.requireQueue(queue);
    return items.map((item): LeaseOutcome => {
      const row = this.heldLease(queue, decodeReceipt(item.receipt), now);
      if (!row) return "lease_lost";
      this.lifecycle.fail(row, record, item.error, item.delayMs, now);
      return "ok";
    });
  }

  extend(queue: string, items: ExtendItem[], now: number): LeaseOutcome[] {
    const update = this.ctx.db.query(
      `UPDATE messages SET lease_expires_at = ?
        WHERE seq = ? AND queue = ? AND state = 1 AND lease_generation = ? AND lease_expires_at > ?`,
    );
    return items.map((item): LeaseOutcome => {
      const parts = decodeReceipt(item.receipt);
      if (!parts) return "lease_lost";
      const changed = update.run(now + item.visibilityMs, parts.seq, queue, parts.generation, now).changes;
      return changed > 0 ? "ok" : "lease_lost";
    });
  }

  get(queue: string, id: string, now: number): MessageRecord | null {
    const row = this.ctx.db
      .query<MessageRow, [string, string]>("SELECT * FROM messages WHERE id = ? AND queue = ?")
      .get(id, queue);
    return row ? toMessageRecord(row, now) : null;
  }

  /** The row behind a receipt, only while that very lease is still held (fencing). */
  private heldLease(queue: string, parts: ReceiptParts | null, now: number): LeasedRow | null {
    if (!parts) return null;
    return this.ctx.db
      .query<LeasedRow, [number, string, number, number]>(
        `SELECT seq, queue, attempts, group_id FROM messages
          WHERE seq = ? AND queue = ? AND state = 1 AND lease_generation = ? AND lease_expires_at > ?`,
      )
      .get(parts.seq, queue, parts.generation, now);
  }

  private findDedup(queue: string, dedupId: string, now: number): string | null {
    const row = this.ctx.db
      .query<{ message_id: string }, [string, string, number]>(
        "SELECT message_id FROM dedup_keys WHERE queue = ? AND dedup_id = ? AND expires_at > ?",
      )
      .get(queue, dedupId, now);
    return row?.message_id ?? null;
  }
}
