import { decodeSeqCursor as decodeCursor, encodeSeqCursor as encodeCursor } from "../seq-cursor.ts";
import type { DeadLetterPage, DeadLetterStore } from "../store.ts";
import type { Synchronous } from "./synchronous.ts";
import type { SqliteContext } from "./context.ts";
import type { MessageLifecycle } from "./lifecycle.ts";
import { toMessageRecord, type MessageRow } from "../message-row.ts";

export class SqliteDeadLetterStore implements Synchronous<DeadLetterStore> {
  constructor(
    private readonly ctx: SqliteContext,
    private readonly lifecycle: MessageLifecycle,
  ) {}

  list(queue: string, after: string | null, limit: number, now: number): DeadLetterPage {
    this.ctx.requireQueue(queue);
    const afterSeq = after === null ? 0 : decodeCursor(after);
    // One extra row tells whether another page follows.
    const rows = this.ctx.db
      .query<MessageRow, [string, number, number]>(
        "SELECT * FROM messages WHERE queue = ? AND state = 2 AND seq > ? ORDER BY seq LIMIT ?",
      )
      .all(queue, afterSeq, limit + 1);
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    return {
      messages: page.map((row) => toMessageRecord(row, now)),
      nextCursor: rows.length > limit && last ? encodeCursor(last.seq) : null,
    };
  }

  redrive(queue: string, ids: string[] | "all", now: number): number {
    this.ctx.requireQueue(queue);
    const rows =
      ids === "all"
        ? this.ctx.db
            .query<{ seq: number; group_id: string | null }, [string]>(
              "SELECT seq, group_id FROM messages WHERE queue = ? AND state = 2 ORDER BY seq",
            )
            .all(queue)
        : ids.flatMap(
            (id) =>
              this.ctx.db
                .query<{ seq: number; group_id: string | null }, [string, string]>(
                  "SELECT seq, group_id FROM messages WHERE id = ? AND queue = ? AND state = 2",
                )
                .get(id, queue) ?? [],
          );
    const revive = this.ctx.db.query(
      "UPDATE messages SET state = ?, attempts = 0, available_at = ?, dead_at = NULL, lease_expires_at = NULL WHERE seq = ?",
    );
    for (const row of rows) revive.run(this.lifecycle.entryState(queue, row.group_id), now, row.seq);
    this.ctx.adjustLiveCount(queue, rows.length);
    return rows.length;
  }

  remove(queue: string, ids: string[]): number {
    this.ctx.requireQueue(queue);
    const remove = this.ctx.db.query("DELETE FROM messages WHERE id = ? AND queue = ? AND state = 2");
    let removed = 0;
    for (const id of ids) removed += remove.run(id, queue).changes;
    return removed;
  }

  purge(queue: string): number {
    this.ctx.requireQueue(queue);
    return this.ctx.db.query("DELETE FROM messages WHERE queue = ? AND state = 2").run(queue).changes;
  }
}
