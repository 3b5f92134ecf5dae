import {
  expiredLease,
  failedAttempt,
  groupEntry,
  LEASE_EXPIRED_ERROR,
  type FailedAttempt,
} from "../../domain/lifecycle-rules.ts";
import { MessageState } from "../../domain/message.ts";
import type { QueueRecord } from "../store.ts";
import type { SqliteContext } from "./context.ts";

/** The columns every state transition needs about a leased message. */
export interface LeasedRow {
  seq: number;
  queue: string;
  attempts: number;
  group_id: string | null;
}

/**
 * State transitions shared by nack, lease expiry and redrive, so each rule lives in one place:
 * a failed attempt either dead-letters (attempts exhausted) or becomes ready after a delay, and
 * a message that leaves its ordering group lets the next one in.
 */
export class MessageLifecycle {
  constructor(private readonly ctx: SqliteContext) {}

  /** One failed attempt, as of `failedAt`; `failedAttempt` decides where it leaves the message. */
  fail(
    row: LeasedRow,
    queue: QueueRecord,
    error: string | null,
    delayMs: number | null,
    failedAt: number,
  ): "dead" | "retry" {
    return this.apply(row, failedAttempt(row.attempts, queue.settings, delayMs, failedAt), error);
  }

  private apply(row: LeasedRow, outcome: FailedAttempt, error: string | null): "dead" | "retry" {
    if (outcome.to === "dead") {
      this.ctx.db
        .query(
          "UPDATE messages SET state = 2, dead_at = ?, lease_expires_at = NULL, last_error = COALESCE(?, last_error) WHERE seq = ?",
        )
        .run(outcome.deadAt, error, row.seq);
      this.ctx.adjustLiveCount(row.queue, -1);
      this.ctx.countTransition(row.queue, "deadLettered");
      if (row.group_id !== null) this.promoteGroup(row.queue, row.group_id);
      return "dead";
    }
    this.ctx.db
      .query(
        "UPDATE messages SET state = 0, available_at = ?, lease_expires_at = NULL, last_error = COALESCE(?, last_error) WHERE seq = ?",
      )
      .run(outcome.availableAt, error, row.seq);
    return "retry";
  }

  /** Lets the oldest message waiting in the group become ready, if no other one is live. */
  promoteGroup(queue: string, groupId: string): void {
    if (this.groupHasActiveHead(queue, groupId)) return;
    const { changes } = this.ctx.db
      .query(
        `UPDATE messages SET state = 0 WHERE seq = (
           SELECT seq FROM messages WHERE queue = ? AND group_id = ? AND state = 3 ORDER BY seq LIMIT 1)`,
      )
      .run(queue, groupId);
    // A receiver waiting on this queue may take the group's next message now.
    this.ctx.becameReady(queue, changes);
  }

  /** True while some message of the group is ready (perhaps backing off) or leased. */
  groupHasActiveHead(queue: string, groupId: string): boolean {
    return (
      this.ctx.db
        .query("SELECT 1 FROM messages WHERE queue = ? AND group_id = ? AND state IN (0, 1) LIMIT 1")
        .get(queue, groupId) !== null
    );
  }

  /** Entry state for a message joining `groupId` now: ready, or queued behind the group's live messages. */
  entryState(queue: string, groupId: string | null): 0 | 3 {
    const live =
      groupId !== null &&
      this.ctx.db
        .query("SELECT 1 FROM messages WHERE queue = ? AND group_id = ? AND state <> 2 LIMIT 1")
        .get(queue, groupId) !== null;
    return MessageState[groupEntry(groupId, live)];
  }

  /** One lease that ran out: a failed attempt as of its expiry, counted for metrics. */
  expireLease(row: LeasedRow & { lease_expires_at: number }): void {
    const record = this.ctx.findQueue(row.queue);
    if (!record) return;
    this.ctx.countTransition(row.queue, "expired");
    this.apply(row, expiredLease(row.attempts, record.settings, row.lease_expires_at), LEASE_EXPIRED_ERROR);
  }

  /** Expired leases of one queue (or all, when `queue` is null) fail with a lease-expiry error. */
  releaseExpired(queue: string | null, now: number, limit: number): number {
    const rows =
      queue === null
        ? this.ctx.db
            .query<LeasedRow & { lease_expires_at: number }, [number, number]>(
              "SELECT seq, queue, attempts, group_id, lease_expires_at FROM messages WHERE state = 1 AND lease_expires_at <= ? LIMIT ?",
            )
            .all(now, limit)
        : this.ctx.db
            .query<LeasedRow & { lease_expires_at: number }, [string, number, number]>(
              "SELECT seq, queue, attempts, group_id, lease_expires_at FROM messages WHERE queue = ? AND state = 1 AND lease_expires_at <= ? LIMIT ?",
            )
            .all(queue, now, limit);
    for (const row of rows) this.expireLease(row);
    return rows.length;
  }
}
