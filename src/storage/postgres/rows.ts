import type { SQL } from "bun";
import { queueNotFound } from "../../domain/errors.ts";
import type { QueueSettings } from "../../domain/queue-settings.ts";
import type { MessageRow } from "../message-row.ts";
import type { QueueRecord } from "../store.ts";
import { num, numOrNull } from "./db.ts";

/** Every column of a messages row, as returned by `SELECT *` or `RETURNING *`. */
export type RawMessageRow = Record<string, unknown>;

export function toMessageRow(raw: RawMessageRow): MessageRow {
  return {
    seq: num(raw.seq),
    id: raw.id as string,
    queue: raw.queue as string,
    state: num(raw.state),
    priority: num(raw.priority),
    available_at: num(raw.available_at),
    group_id: (raw.group_id as string | null) ?? null,
    dedup_id: (raw.dedup_id as string | null) ?? null,
    body: raw.body as string,
    body_is_binary: raw.body_is_binary === true ? 1 : 0,
    headers: (raw.headers as string | null) ?? null,
    attempts: num(raw.attempts),
    lease_generation: num(raw.lease_generation),
    lease_expires_at: numOrNull(raw.lease_expires_at),
    lease_token: (raw.lease_token as Uint8Array | null) ?? null,
    lease_owner: (raw.lease_owner as string | null) ?? null,
    enqueued_at: num(raw.enqueued_at),
    last_error: (raw.last_error as string | null) ?? null,
    dead_at: numOrNull(raw.dead_at),
  };
}

export function toQueueRecord(raw: Record<string, unknown>): QueueRecord {
  return {
    name: raw.name as string,
    settings: JSON.parse(raw.settings as string) as QueueSettings,
    pausedAt: numOrNull(raw.paused_at),
    createdAt: num(raw.created_at),
    updatedAt: num(raw.updated_at),
  };
}

/**
 * The queue's record, read in the caller's transaction. No cache: another instance may change the
 * settings at any time, and this is a primary-key lookup.
 */
export async function findQueue(sql: SQL, name: string): Promise<QueueRecord | null> {
  const [row] = (await sql`SELECT * FROM queues WHERE name = ${name}`) as Array<Record<string, unknown>>;
  return row ? toQueueRecord(row) : null;
}

/** findQueue, asking once per queue: for loops over rows of several queues in one transaction. */
export function queueLookup(sql: SQL): (name: string) => Promise<QueueRecord | null> {
  const seen = new Map<string, Promise<QueueRecord | null>>();
  return (name) => {
    let record = seen.get(name);
    if (!record) {
      record = findQueue(sql, name);
      seen.set(name, record);
    }
    return record;
  };
}

export async function requireQueue(sql: SQL, name: string): Promise<QueueRecord> {
  const queue = await findQueue(sql, name);
  if (!queue) throw queueNotFound(name);
  return queue;
}

/**
 * `live_count` exists for the `maxMessages` check, so it is kept only for bounded queues; the
 * WHERE makes this a no-op (and takes no row lock) on an unbounded queue.
 */
export async function adjustLiveCount(sql: SQL, queue: string, delta: number): Promise<void> {
  if (delta === 0) return;
  await sql`UPDATE queues SET live_count = live_count + ${delta} WHERE name = ${queue} AND max_messages > 0`;
}
