import { OWNER_SHUT_DOWN_ERROR } from "../../domain/lifecycle-rules.ts";
import { queueFull } from "../../domain/errors.ts";
import { newMessageId } from "../../domain/ids.ts";
import {
  MessageState,
  type LeaseOutcome,
  type LeasedMessage,
  type MessageRecord,
  type NewMessage,
  type PublishResult,
} from "../../domain/message.ts";
import { decodeReceipt, leaseTokenMatches, newLeaseTokens } from "../../domain/receipt.ts";
import { toLeasedMessage, toMessageRecord, type MessageRow } from "../message-row.ts";
import type { ExtendItem, MessageStore, NackItem } from "../store.ts";
import type { Synchronous } from "./synchronous.ts";
import type { SqliteContext } from "./context.ts";
import type { LeasedRow, MessageLifecycle } from "./lifecycle.ts";
import type { BrowsePage, BrowsePosition, BrowseState } from "../../domain/browse.ts";
import { browseMessages } from "./browse.ts";

/** How many expired leases one receive call turns over before claiming; the sweeper does the rest. */
const EXPIRED_LEASES_PER_RECEIVE = 1000;

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

  lease(
    queue: string,
    max: number,
    visibilityMs: number | null,
    now: number,
    owner: string | null = null,
  ): LeasedMessage[] {
    const record = this.ctx.requireQueue(queue);
    if (record.pausedAt !== null) return [];
    this.lifecycle.releaseExpired(queue, now, EXPIRED_LEASES_PER_RECEIVE);
    const expiresAt = now + (visibilityMs ?? record.settings.visibilityTimeoutSeconds * 1000);
    const rows = this.ctx.db
      .query<MessageRow, [number, string | null, string, number, number]>(
        `UPDATE messages
            SET state = 1, attempts = attempts + 1, lease_generation = lease_generation + 1,
                lease_expires_at = ?1, lease_owner = ?2
          WHERE seq IN (SELECT seq FROM messages
                         WHERE queue = ?3 AND state = 0 AND available_at <= ?4
                         ORDER BY priority DESC, available_at, seq LIMIT ?5)
          RETURNING *`,
      )
      .all(expiresAt, owner, queue, now, max);
    // The token comes from the OS CSPRNG in this process (not SQLite's randomblob), one UPDATE
    // by primary key per leased row, on the page the claim just wrote.
    const setToken = this.ctx.db.query<never, [Uint8Array, number]>(
      "UPDATE messages SET lease_token = ? WHERE seq = ?",
    );
    // RETURNING gives no order guarantee; hand messages out in claim order.
    rows.sort((a, b) => b.priority - a.priority || a.available_at - b.available_at || a.seq - b.seq);
    const tokens = newLeaseTokens(rows.length);
    return rows.map((row, index) => {
      const token = tokens[index]!;
      setToken.run(token, row.seq);
      return toLeasedMessage(row, token, expiresAt);
    });
  }

  browse(queue: string, state: BrowseState, after: BrowsePosition | null, limit: number, now: number): BrowsePage {
    return browseMessages(this.ctx, this.lifecycle, queue, state, after, limit, now);
  }

  ack(queue: string, receipts: string[], now: number): LeaseOutcome[] {
    const remove = this.ctx.db.query("DELETE FROM messages WHERE seq = ?");
    let removed = 0;
    const outcomes = receipts.map((receipt): LeaseOutcome => {
      const held = this.heldLease(queue, receipt, now);
      if (typeof held === "string") return held;
      remove.run(held.seq);
      removed += 1;
      if (held.group_id !== null) this.lifecycle.promoteGroup(queue, held.group_id);
      return "ok";
    });
    this.ctx.adjustLiveCount(queue, -removed);
    return outcomes;
  }

  nack(queue: string, items: NackItem[], now: number): LeaseOutcome[] {
    const record = this.ctx.requireQueue(queue);
    return items.map((item): LeaseOutcome => {
      const held = this.heldLease(queue, item.receipt, now);
      if (typeof held === "string") return held;
      this.lifecycle.fail(held, record, item.error, item.delayMs, now);
      return "ok";
    });
  }

  extend(queue: string, items: ExtendItem[], now: number): LeaseOutcome[] {
    const update = this.ctx.db.query("UPDATE messages SET lease_expires_at = ? WHERE seq = ?");
    return items.map((item): LeaseOutcome => {
      const held = this.heldLease(queue, item.receipt, now);
      if (typeof held === "string") return held;
      update.run(now + item.visibilityMs, held.seq);
      return "ok";
    });
  }

  returnUndelivered(queue: string, receipts: string[], now: number): LeaseOutcome[] {
    // available_at is left as it was (at or before the lease), so the message keeps its place in line.
    const giveBack = this.ctx.db.query(
      `UPDATE messages SET state = 0, attempts = attempts - 1, lease_expires_at = NULL, lease_token = NULL, lease_owner = NULL
        WHERE seq = ?`,
    );
    return receipts.map((receipt): LeaseOutcome => {
      const held = this.heldLease(queue, receipt, now);
      if (typeof held === "string") return held;
      giveBack.run(held.seq);
      return "ok";
    });
  }

  releaseOwnedLeases(owner: string, now: number): number {
    const rows = this.ctx.db
      .query<LeasedRow, [string, number]>(
        "SELECT seq, queue, attempts, group_id FROM messages WHERE state = 1 AND lease_owner = ? AND lease_expires_at > ?",
      )
      .all(owner, now);
    for (const row of rows) {
      const record = this.ctx.findQueue(row.queue);
      if (!record) continue;
      this.lifecycle.fail(row, record, OWNER_SHUT_DOWN_ERROR, 0, now);
    }
    return rows.length;
  }

  get(queue: string, id: string, now: number): MessageRecord | null {
    const select = this.ctx.db.query<MessageRow, [string, string]>("SELECT * FROM messages WHERE id = ? AND queue = ?");
    const row = select.get(id, queue);
    if (row?.state === MessageState.leased && row.lease_expires_at !== null && row.lease_expires_at <= now) {
      // The sweeper would turn this lease over within a second; do it now, so the state read is
      // what the message is (ready after backoff, or dead), not what it was.
      this.lifecycle.expireLease({ ...row, lease_expires_at: row.lease_expires_at });
      const settled = select.get(id, queue);
      return settled ? toMessageRecord(settled, now) : null;
    }
    return row ? toMessageRecord(row, now) : null;
  }

  /**
   * The row behind a receipt while that very lease is still held (fencing by generation) and
   * the caller presents its token; otherwise why not.
   */
  private heldLease(queue: string, receipt: string, now: number): LeasedRow | "lease_lost" | "invalid_receipt" {
    const parts = decodeReceipt(receipt);
    if (!parts) return "invalid_receipt";
    const row = this.ctx.db
      .query<LeasedRow & { lease_token: Uint8Array | null }, [number, string, number, number]>(
        `SELECT seq, queue, attempts, group_id, lease_token FROM messages
          WHERE seq = ? AND queue = ? AND state = 1 AND lease_generation = ? AND lease_expires_at > ?`,
      )
      .get(parts.seq, queue, parts.generation, now);
    if (!row || !leaseTokenMatches(row.lease_token, parts.token)) return "lease_lost";
    return row;
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
