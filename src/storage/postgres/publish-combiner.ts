import type { SQL } from "bun";
import { newMessageId } from "../../domain/ids.ts";
import { MessageState, type NewMessage, type PublishResult } from "../../domain/message.ts";
import { rows } from "./db.ts";

interface Pending {
  queue: string;
  now: number;
  ids: string[];
  messages: NewMessage[];
  resolve: (results: PublishResult[] | null) => void;
}

/**
 * Group commit for plain publishes (no dedup id, no group, into an unbounded queue), like the
 * SQLite writer's: every such publish made in one event-loop turn goes into one INSERT, so one
 * commit (one WAL flush) and one round trip serve them all, instead of one per HTTP request.
 * These need no check but that the queue exists and is unbounded, which the statement makes
 * itself. Resolves null for a publish that needs the full path (`publishInTransaction`): a
 * missing or bounded queue, dedup ids or groups, or a combined statement that failed (each
 * publish is then retried alone, so one bad request cannot fail its neighbours).
 */
export class PublishCombiner {
  private pending: Pending[] = [];

  constructor(private readonly sql: SQL) {}

  publish(queue: string, messages: NewMessage[], now: number): Promise<PublishResult[] | null> {
    if (messages.length === 0 || messages.some((m) => m.dedupId !== null || m.groupId !== null)) {
      return Promise.resolve(null);
    }
    return new Promise((resolve) => {
      this.pending.push({ queue, now, ids: messages.map(() => newMessageId()), messages, resolve });
      // setImmediate, not a microtask: lets every request already read in this turn join.
      if (this.pending.length === 1) setImmediate(() => void this.flush());
    });
  }

  private async flush(): Promise<void> {
    const batch = this.pending;
    this.pending = [];
    const all = batch.flatMap((p) => p.messages.map((message, index) => ({ p, message, id: p.ids[index]! })));
    const queues = [...new Set(batch.map((p) => p.queue))];
    let accepted: Set<string>;
    try {
      // FOR KEY SHARE: a concurrent change of the queue's settings (which locks the row FOR
      // UPDATE, e.g. to make it bounded and count its messages) or its deletion waits for this
      // insert, and this insert waits for them; publishes do not block each other.
      const ok = await rows<{ name: string }>(this.sql`
        WITH ok AS (
          SELECT name FROM queues WHERE name = ANY(${queues}::text[]) AND max_messages = 0 FOR KEY SHARE
        ), inserted AS (
          INSERT INTO messages (id, queue, state, priority, available_at, body, body_is_binary, headers, enqueued_at)
          SELECT id, queue, ${MessageState.ready}, priority, available_at, body, body_is_binary, headers, enqueued_at
            FROM unnest(${all.map((r) => r.id)}::text[], ${all.map((r) => r.p.queue)}::text[],
                        ${all.map((r) => r.message.priority)}::int4[], ${all.map((r) => r.message.availableAt)}::int8[],
                        ${all.map((r) => r.message.body)}::text[], ${all.map((r) => r.message.bodyIsBinary)}::bool[],
                        ${all.map((r) => r.message.headers)}::text[], ${all.map((r) => r.p.now)}::int8[])
                 WITH ORDINALITY AS t(id, queue, priority, available_at, body, body_is_binary, headers, enqueued_at, position)
           WHERE queue IN (SELECT name FROM ok)
           ORDER BY position
          RETURNING 1
        )
        SELECT name FROM ok`);
      accepted = new Set(ok.map((row) => row.name));
    } catch {
      accepted = new Set();
    }
    for (const p of batch) {
      p.resolve(accepted.has(p.queue) ? p.ids.map((id) => ({ id, duplicate: false })) : null);
    }
  }
}
