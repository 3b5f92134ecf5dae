import { decodeSeqCursor, encodeSeqCursor } from "../seq-cursor.ts";
import { toMessageRecord } from "../message-row.ts";
import type { DeadLetterPage, DeadLetterStore } from "../store.ts";
import { affected, num, type PgDatabase } from "./db.ts";
import { entryState, lockGroups } from "./lifecycle.ts";
import { adjustLiveCount, requireQueue, toMessageRow, type RawMessageRow } from "./rows.ts";

export class PgDeadLetterStore implements DeadLetterStore {
  constructor(private readonly db: PgDatabase) {}

  async list(queue: string, after: string | null, limit: number, now: number): Promise<DeadLetterPage> {
    await requireQueue(this.db.sql, queue);
    const afterSeq = after === null ? 0 : decodeSeqCursor(after);
    // One extra row tells whether another page follows.
    const rows = (
      (await this.db.sql`
        SELECT * FROM messages WHERE queue = ${queue} AND state = 2 AND seq > ${afterSeq}
         ORDER BY seq LIMIT ${limit + 1}`) as RawMessageRow[]
    ).map(toMessageRow);
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    return {
      messages: page.map((row) => toMessageRecord(row, now)),
      nextCursor: rows.length > limit && last ? encodeSeqCursor(last.seq) : null,
    };
  }

  redrive(queue: string, ids: string[] | "all", now: number): Promise<number> {
    return this.db.transaction(async (tx) => {
      await requireQueue(tx.sql, queue);
      const rows = (
        ids === "all"
          ? await tx.sql`SELECT seq, group_id FROM messages WHERE queue = ${queue} AND state = 2 ORDER BY seq FOR UPDATE`
          : await tx.sql`
              SELECT seq, group_id FROM messages WHERE queue = ${queue} AND state = 2 AND id = ANY(${ids}::text[])
               ORDER BY seq FOR UPDATE`
      ) as Array<{ seq: unknown; group_id: string | null }>;
      // The queue row before any group lock, in the same order as publish, so the two cannot deadlock.
      await adjustLiveCount(tx.sql, queue, rows.length);
      // Re-entering a group is the same check-then-write as publishing into it.
      await lockGroups(
        tx.sql,
        queue,
        rows.map((row) => row.group_id),
      );
      for (const row of rows) {
        const state = await entryState(tx.sql, queue, row.group_id);
        await tx.sql`
          UPDATE messages SET state = ${state}, attempts = 0, available_at = ${now}, dead_at = NULL, lease_expires_at = NULL
           WHERE seq = ${num(row.seq)}`;
      }
      return rows.length;
    });
  }

  async remove(queue: string, ids: string[]): Promise<number> {
    await requireQueue(this.db.sql, queue);
    return affected(
      this.db.sql`DELETE FROM messages WHERE queue = ${queue} AND state = 2 AND id = ANY(${ids}::text[])`,
    );
  }

  async purge(queue: string): Promise<number> {
    await requireQueue(this.db.sql, queue);
    return affected(this.db.sql`DELETE FROM messages WHERE queue = ${queue} AND state = 2`);
  }
}
