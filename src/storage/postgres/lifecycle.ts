import type { SQL } from "bun";
import { MessageState } from "../../domain/message.ts";
import {
  expiredLease,
  failedAttempt,
  groupEntry,
  LEASE_EXPIRED_ERROR,
  type FailedAttempt,
} from "../../domain/lifecycle-rules.ts";
import type { QueueRecord } from "../store.ts";
import { affected, num, rows, type PgDatabase, type Tx } from "./db.ts";
import { adjustLiveCount, queueLookup } from "./rows.ts";

/** The columns every state transition needs about a leased message. */
export interface LeasedRow {
  seq: number;
  queue: string;
  attempts: number;
  group_id: string | null;
}

/**
 * Ordering groups across instances: entering a group (publish, redrive) and leaving it (ack,
 * dead-lettering, then promoting the next) are check-then-write, so two transactions on different
 * instances could both see an idle group and both make a message ready. Every such step first
 * takes a transaction-scoped advisory lock on hash(queue, group), which serialises exactly the
 * transactions touching that group and nothing else (claims need no lock: at most one message of
 * a group is ever ready or leased). Locks are taken in sorted order to avoid deadlocks between
 * batches; a hash collision only serialises two unrelated groups.
 *
 * Lock order, in every transaction: message rows, then the queue row (bounded queues' live
 * count), then group locks. Keeping one order keeps deadlocks out; if one happens anyway
 * PostgreSQL aborts one side and `PgDatabase.transaction` runs it again.
 */
export async function lockGroups(sql: SQL, queue: string, groups: Array<string | null>): Promise<void> {
  const keys = [...new Set(groups.filter((group): group is string => group !== null))].sort();
  for (const group of keys) {
    // The single-bigint key space: PostgreSQL keeps it apart from the two-key locks (leadership,
    // migrations). The length prefix makes the key unambiguous for any queue and group names.
    await sql`SELECT pg_advisory_xact_lock(hashtextextended(${`${queue.length}:${queue}:${group}`}, 0))`;
  }
}

/** Entry state for a message joining `groupId` (group lock held): ready, or queued behind the group's live messages. */
export async function entryState(sql: SQL, queue: string, groupId: string | null): Promise<0 | 3> {
  const live =
    groupId !== null &&
    (await rows(sql`SELECT 1 FROM messages WHERE queue = ${queue} AND group_id = ${groupId} AND state <> 2 LIMIT 1`))
      .length > 0;
  return MessageState[groupEntry(groupId, live)];
}

/** Lets the oldest message waiting in the group become ready, if no other one is ready or leased. */
export async function promoteGroup(tx: Tx, queue: string, groupId: string): Promise<void> {
  await lockGroups(tx.sql, queue, [groupId]);
  const promoted = await affected(tx.sql`
    UPDATE messages SET state = 0
     WHERE seq = (SELECT seq FROM messages WHERE queue = ${queue} AND group_id = ${groupId} AND state = 3
                   ORDER BY seq LIMIT 1)
       AND NOT EXISTS (SELECT 1 FROM messages WHERE queue = ${queue} AND group_id = ${groupId} AND state IN (0, 1))`);
  // A receiver waiting on this queue may take the group's next message now.
  if (promoted > 0) tx.becameReady(queue, promoted);
}

/** One failed attempt, as of `failedAt` (the row is locked by the caller); `failedAttempt` decides where it leaves the message. */
export async function failAttempt(
  tx: Tx,
  row: LeasedRow,
  queue: QueueRecord,
  error: string | null,
  delayMs: number | null,
  failedAt: number,
): Promise<"dead" | "retry"> {
  return applyFailure(tx, row, failedAttempt(row.attempts, queue.settings, delayMs, failedAt), error);
}

/** A locked leased row whose lease ran out; `expiredLease` decides where it goes. */
export async function expireLease(tx: Tx, row: LeasedRow, queue: QueueRecord, leaseExpiresAt: number) {
  tx.count(row.queue, "expired");
  return applyFailure(tx, row, expiredLease(row.attempts, queue.settings, leaseExpiresAt), LEASE_EXPIRED_ERROR);
}

async function applyFailure(
  tx: Tx,
  row: LeasedRow,
  outcome: FailedAttempt,
  error: string | null,
): Promise<"dead" | "retry"> {
  if (outcome.to === "dead") {
    await tx.sql`
      UPDATE messages SET state = 2, dead_at = ${outcome.deadAt}, lease_expires_at = NULL, last_error = COALESCE(${error}::text, last_error)
       WHERE seq = ${row.seq}`;
    await adjustLiveCount(tx.sql, row.queue, -1);
    tx.count(row.queue, "deadLettered");
    if (row.group_id !== null) await promoteGroup(tx, row.queue, row.group_id);
    return "dead";
  }
  await tx.sql`
    UPDATE messages SET state = 0, available_at = ${outcome.availableAt}, lease_expires_at = NULL, last_error = COALESCE(${error}::text, last_error)
     WHERE seq = ${row.seq}`;
  return "retry";
}

/**
 * Expired leases of one queue (or all, when `queue` is null) fail as of their expiry. Rows another
 * transaction holds are skipped (SKIP LOCKED): it is settling or expiring them already.
 */
export async function releaseExpired(tx: Tx, queue: string | null, now: number, limit: number): Promise<number> {
  const rows = (
    queue === null
      ? await tx.sql`
          SELECT seq, queue, attempts, group_id, lease_expires_at FROM messages
           WHERE state = 1 AND lease_expires_at <= ${now}
           ORDER BY lease_expires_at LIMIT ${limit} FOR UPDATE SKIP LOCKED`
      : await tx.sql`
          SELECT seq, queue, attempts, group_id, lease_expires_at FROM messages
           WHERE state = 1 AND lease_expires_at <= ${now} AND queue = ${queue}
           ORDER BY lease_expires_at LIMIT ${limit} FOR UPDATE SKIP LOCKED`
  ) as Array<Record<string, unknown>>;
  const queueOf = queueLookup(tx.sql);
  for (const raw of rows) {
    const row = toLeasedRow(raw);
    const record = await queueOf(row.queue);
    if (record) await expireLease(tx, row, record, num(raw.lease_expires_at));
  }
  return rows.length;
}

export function toLeasedRow(raw: Record<string, unknown>): LeasedRow {
  return {
    seq: num(raw.seq),
    queue: raw.queue as string,
    attempts: num(raw.attempts),
    group_id: (raw.group_id as string | null) ?? null,
  };
}

/**
 * `releaseExpired` in a transaction of its own, after one plain read finds that something is due:
 * receive and stats call it every time, and usually nothing is, so the common case costs one
 * index probe instead of a transaction's three round trips.
 */
export async function releaseExpiredIfDue(db: PgDatabase, queue: string | null, now: number, limit: number) {
  const due = await rows(
    queue === null
      ? db.sql`SELECT 1 FROM messages WHERE state = 1 AND lease_expires_at <= ${now} LIMIT 1`
      : db.sql`SELECT 1 FROM messages WHERE state = 1 AND lease_expires_at <= ${now} AND queue = ${queue} LIMIT 1`,
  );
  if (due.length === 0) return 0;
  return db.transaction((tx) => releaseExpired(tx, queue, now, limit));
}
