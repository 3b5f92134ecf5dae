import { Database } from "bun:sqlite";
import { expect, test } from "bun:test";
import { HELD_LEASES_SQL } from "./message-store.ts";
import { migrateSqlite } from "./migrate.ts";

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
