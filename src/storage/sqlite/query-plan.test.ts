import { Database } from "bun:sqlite";
import { expect, test } from "bun:test";
import { HELD_LEASES_SQL } from "./message-store.ts";
import { migrateSqlite } from "./migrate.ts";
import { ALL_QUEUE_STATS_SQL, QUEUE_STATS_SQL } from "./queue-store.ts";

function plan(db: Database, sql: string, ...params: Array<string | number>): string[] {
  return db
    .query<{ detail: string }, Array<string | number>>(`EXPLAIN QUERY PLAN ${sql}`)
    .all(...params)
    .map((row) => row.detail);
}

test("ack, nack and extend read their receipts' rows by seq, not by walking the queue's leases", () => {
  const db = new Database(":memory:");
  migrateSqlite(db);
  const steps = plan(db, HELD_LEASES_SQL, "[1,2,3]", "q", 0);
  const onMessages = steps.filter((step) => /\bmessages\b/.test(step));
  expect(onMessages).toEqual(["SEARCH messages USING INTEGER PRIMARY KEY (rowid=?)"]);
  db.close();
});

test("stats read the ready/delayed split by seeks on the claim index, and the rest from queue_counts", () => {
  const db = new Database(":memory:");
  migrateSqlite(db);
  for (const [sql, params] of [
    [QUEUE_STATS_SQL, [0, "q"]],
    [ALL_QUEUE_STATS_SQL, [0]],
  ] as const) {
    const onMessages = plan(db, sql, ...params).filter((step) => /\bmessages\b|\bm\b/.test(step));
    // The loose index scan (first priority, next lower one) and per priority the delayed range and
    // the first available_at: all SEARCHes of messages_claim, none a SCAN of messages.
    expect(onMessages).toEqual([
      "SEARCH m USING COVERING INDEX messages_claim (queue=? AND state=?)",
      "SEARCH m USING COVERING INDEX messages_claim (queue=? AND state=? AND priority<?)",
      "SEARCH m USING COVERING INDEX messages_claim (queue=? AND state=? AND priority=? AND available_at>?)",
      "SEARCH m USING COVERING INDEX messages_claim (queue=? AND state=? AND priority=?)",
    ]);
    expect(plan(db, sql, ...params).filter((step) => step.startsWith("SCAN m"))).toEqual([]);
  }
  db.close();
});
