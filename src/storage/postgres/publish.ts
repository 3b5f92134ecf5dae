import { queueFull, queueNotFound } from "../../domain/errors.ts";
import { newMessageId } from "../../domain/ids.ts";
import { MessageState, type NewMessage, type PublishResult } from "../../domain/message.ts";
import { num, rows as selectRows, type Tx } from "./db.ts";
import { entryState, lockGroups } from "./lifecycle.ts";
import { requireQueue, toQueueRecord } from "./rows.ts";

/**
 * Publishes a batch inside the caller's transaction (a queue publish, or one leg of a topic
 * fan-out), all or none. Each check-then-insert is made safe against other instances:
 * - maxMessages: the queue row is locked FOR UPDATE for bounded queues only, so publishes to a
 *   bounded queue serialise on it and count + insert is atomic; unbounded queues (the default)
 *   take FOR KEY SHARE, which publishes hold together, and publish in parallel.
 * - dedup: the key's primary key decides. `INSERT … ON CONFLICT DO UPDATE … WHERE expired` claims
 *   a new or expired key; a concurrent publish of the same key waits for ours to commit and then
 *   sees the conflict, so exactly one of them inserts.
 * - ordering groups: the group's advisory lock (see lifecycle.ts) is held while deciding whether
 *   the message enters ready or queued behind the group.
 */
export async function publishInTransaction(
  tx: Tx,
  queue: string,
  messages: NewMessage[],
  now: number,
): Promise<PublishResult[]> {
  // Lock the queue row, in one step (upgrading a lock two transactions share would deadlock):
  // bounded queues FOR UPDATE, so publishes to them serialise and count + insert is atomic;
  // unbounded ones FOR KEY SHARE, which keeps the queue from being deleted or changed until this
  // commits without making publishes wait for each other.
  const bounded = (await requireQueue(tx.sql, queue)).settings.maxMessages > 0;
  const [locked] = await selectRows(
    bounded
      ? tx.sql`SELECT * FROM queues WHERE name = ${queue} FOR UPDATE`
      : tx.sql`SELECT * FROM queues WHERE name = ${queue} FOR KEY SHARE`,
  );
  if (!locked) throw queueNotFound(queue);
  const { maxMessages, dedupWindowSeconds } = toQueueRecord(locked).settings;
  let liveCount = maxMessages > 0 ? num(locked.live_count) : 0;
  if (maxMessages > 0 && !bounded) {
    // Made bounded between the two reads: take the row lock now (a deadlock here is retried)
    // and count from what it shows.
    const [row] = await selectRows(tx.sql`SELECT live_count FROM queues WHERE name = ${queue} FOR UPDATE`);
    liveCount = num(row?.live_count ?? 0);
  }
  await lockGroups(
    tx.sql,
    queue,
    messages.map((message) => message.groupId),
  );
  const results: PublishResult[] = [];
  const rows: Array<{ id: string; state: number; message: NewMessage }> = [];
  // Groups that got a live message earlier in this batch: later members queue behind it.
  const joined = new Set<string>();
  for (const message of messages) {
    const id = newMessageId();
    if (message.dedupId !== null) {
      const claimed = await selectRows(tx.sql`
        INSERT INTO dedup_keys (queue, dedup_id, message_id, expires_at)
        VALUES (${queue}, ${message.dedupId}, ${id}, ${now + dedupWindowSeconds * 1000})
        ON CONFLICT (queue, dedup_id) DO UPDATE SET message_id = excluded.message_id, expires_at = excluded.expires_at
         WHERE dedup_keys.expires_at <= ${now}
        RETURNING message_id`);
      if (claimed.length === 0) {
        const [original] = (await tx.sql`
          SELECT message_id FROM dedup_keys WHERE queue = ${queue} AND dedup_id = ${message.dedupId}`) as Array<{
          message_id: string;
        }>;
        results.push({ id: original!.message_id, duplicate: true });
        continue;
      }
    }
    let state: number = MessageState.ready;
    if (message.groupId !== null) {
      state = joined.has(message.groupId)
        ? MessageState.queuedInGroup
        : await entryState(tx.sql, queue, message.groupId);
      joined.add(message.groupId);
    }
    rows.push({ id, state, message });
    results.push({ id, duplicate: false });
  }
  if (rows.length === 0) return results;
  if (maxMessages > 0 && liveCount + rows.length > maxMessages) throw queueFull(queue, maxMessages);
  // One INSERT for the batch; ORDER BY the input position so sequence numbers follow publish order.
  await tx.sql`
    INSERT INTO messages (id, queue, state, priority, available_at, group_id, dedup_id, body, body_is_binary, headers, enqueued_at)
    SELECT id, ${queue}, state, priority, available_at, group_id, dedup_id, body, body_is_binary, headers, ${now}
      FROM unnest(${rows.map((r) => r.id)}::text[], ${rows.map((r) => r.state)}::int2[],
                  ${rows.map((r) => r.message.priority)}::int4[], ${rows.map((r) => r.message.availableAt)}::int8[],
                  ${rows.map((r) => r.message.groupId)}::text[], ${rows.map((r) => r.message.dedupId)}::text[],
                  ${rows.map((r) => r.message.body)}::text[], ${rows.map((r) => r.message.bodyIsBinary)}::bool[],
                  ${rows.map((r) => r.message.headers)}::text[])
           WITH ORDINALITY AS t(id, state, priority, available_at, group_id, dedup_id, body, body_is_binary, headers, position)
     ORDER BY position`;
  if (maxMessages > 0) await tx.sql`UPDATE queues SET live_count = live_count + ${rows.length} WHERE name = ${queue}`;
  return results;
}
