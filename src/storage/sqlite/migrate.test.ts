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
