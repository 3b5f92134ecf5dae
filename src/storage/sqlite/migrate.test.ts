import { Database } from "bun:sqlite";
import { expect, test } from "bun:test";
import { migrateSqlite } from "./migrate.ts";
import { SQLITE_MIGRATION_JOURNAL_TAGS, SQLITE_MIGRATIONS } from "./migrations/index.ts";

test("every migration in drizzle's journal is embedded, in order", () => {
  expect(SQLITE_MIGRATIONS.map((m) => m.tag)).toEqual([...SQLITE_MIGRATION_JOURNAL_TAGS]);
});

test("migrations apply once and are recorded", () => {
  const db = new Database(":memory:");
  expect(migrateSqlite(db)).toEqual([...SQLITE_MIGRATION_JOURNAL_TAGS]);
  expect(migrateSqlite(db)).toEqual([]);
  const tables = db
    .query<{ name: string }, []>("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
    .all()
    .map((row) => row.name);
  expect(tables).toContain("messages");
  expect(tables).toContain("queues");
  db.close();
});

test("the queue_counts migration counts the messages a data file already holds", () => {
  const db = new Database(":memory:");
  migrateSqlite(db);
  // A data file from before the counts: no triggers, no counts, the migration not yet recorded.
  for (const trigger of ["insert", "delete", "update"]) db.run(`DROP TRIGGER messages_count_${trigger}`);
  db.run("DELETE FROM millrace_migrations WHERE tag = '0005_queue_counts_triggers'");
  const insert = db.query(
    "INSERT INTO messages (id, queue, state, available_at, body, enqueued_at) VALUES (?, ?, ?, 0, '{}', 0)",
  );
  for (const [id, queue, state] of [
    ["a", "q", 0],
    ["b", "q", 0],
    ["c", "q", 2],
    ["d", "r", 1],
  ] as const) {
    insert.run(id, queue, state);
  }
  expect(migrateSqlite(db)).toEqual(["0005_queue_counts_triggers"]);
  const counts = () =>
    db.query<{ queue: string; state: number; n: number }, []>("SELECT * FROM queue_counts ORDER BY queue, state").all();
  expect(counts()).toEqual([
    { queue: "q", state: 0, n: 2 },
    { queue: "q", state: 2, n: 1 },
    { queue: "r", state: 1, n: 1 },
  ]);
  // And from here on the triggers keep them.
  db.run("UPDATE messages SET state = 1 WHERE id = 'a'");
  db.run("DELETE FROM messages WHERE id = 'c'");
  expect(counts()).toEqual([
    { queue: "q", state: 0, n: 1 },
    { queue: "q", state: 1, n: 1 },
    { queue: "q", state: 2, n: 0 },
    { queue: "r", state: 1, n: 1 },
  ]);
  db.close();
});
