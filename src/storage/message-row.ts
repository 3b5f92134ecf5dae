import { stateName, type LeasedMessage, type MessageRecord } from "../domain/message.ts";
import { encodeReceipt } from "../domain/receipt.ts";

/**
 * A messages row as both drivers read it (column names as in SQL; PostgreSQL's rows are brought
 * to this shape first), and the one mapping from a row to the API's record.
 */
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
  lease_token: Uint8Array | null;
  lease_owner: string | null;
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

/** The columns a consumer receives of a row it just claimed. */
export type ClaimedRow = Pick<
  MessageRow,
  | "seq"
  | "id"
  | "body"
  | "body_is_binary"
  | "headers"
  | "priority"
  | "group_id"
  | "attempts"
  | "enqueued_at"
  | "last_error"
  | "lease_generation"
>;

/** A row just claimed, as the consumer receives it: the receipt names this lease and its token. */
export function toLeasedMessage(row: ClaimedRow, token: Uint8Array, leaseExpiresAt: number): LeasedMessage {
  return {
    id: row.id,
    receipt: encodeReceipt(row.seq, row.lease_generation, token),
    body: row.body,
    bodyIsBinary: row.body_is_binary === 1,
    headers: row.headers,
    priority: row.priority,
    groupId: row.group_id,
    attempts: row.attempts,
    enqueuedAt: row.enqueued_at,
    leaseExpiresAt,
    lastError: row.last_error,
  };
}
