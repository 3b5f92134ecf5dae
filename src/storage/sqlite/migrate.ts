import type { Database } from "bun:sqlite";
import { SQLITE_MIGRATIONS } from "./migrations/index.ts";

const STATEMENT_BREAKPOINT = "--> statement-breakpoint";

/**
 * Applies every embedded migration not yet recorded in `millrace_migrations`, each in its own
 * transaction, and returns the tags it applied. Safe to run at every start.
 */
export function migrateSqlite(db: Database): string[] {
  db.run("CREATE TABLE IF NOT EXISTS millrace_migrations (tag TEXT PRIMARY KEY NOT NULL, applied_at INTEGER NOT NULL)");
  const applied = new Set(
    db
      .query<{ tag: string }, []>("SELECT tag FROM millrace_migrations")
      .all()
      .map((row) => row.tag),
  );
  const newlyApplied: string[] = [];
  for (const migration of SQLITE_MIGRATIONS) {
    if (applied.has(migration.tag)) continue;
    db.transaction(() => {
      for (const statement of migration.sql.split(STATEMENT_BREAKPOINT)) {
        if (statement.trim() !== "") db.run(statement);
      }
      db.query("INSERT INTO millrace_migrations (tag, applied_at) VALUES (?, ?)").run(migration.tag, Date.now());
    })();
    newlyApplied.push(migration.tag);
  }
  return newlyApplied;
}
