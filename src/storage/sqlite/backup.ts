import { Database } from "bun:sqlite";
import { closeSync, existsSync, fsyncSync, openSync, readdirSync, renameSync, rmSync, statSync } from "node:fs";
import { basename, dirname, join } from "node:path";

/** Backups written by `millrace backup --output-dir` are named like this; pruning only touches these. */
export const BACKUP_PATTERN = /^millrace-\d{8}T\d{6}(\d{3})?Z\.db$/;

export function backupFileName(now: Date): string {
  return `millrace-${now
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.(\d{3})Z$/, "$1Z")}.db`;
}

function fsyncPath(path: string): void {
  const fd = openSync(path, "r");
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * Takes a consistent online copy of a live WAL database with `VACUUM INTO`, from a separate
 * read connection: it reads one snapshot, so writes committed while it runs are simply not in
 * it, and the single writer is never blocked. The copy goes to `<target>.partial`, is checked,
 * fsynced, then renamed into place, so `target` only ever names a complete, verified backup.
 */
export function snapshotSqlite(source: string, target: string): { bytes: number } {
  if (!existsSync(source)) throw new Error(`there is no database at ${source}`);
  if (existsSync(target)) throw new Error(`${target} already exists; choose another file name`);
  const partial = `${target}.partial`;
  rmSync(partial, { force: true });
  const db = new Database(source, { readonly: true });
  try {
    db.run("PRAGMA busy_timeout = 10000");
    db.query("VACUUM INTO ?").run(partial);
  } catch (error) {
    rmSync(partial, { force: true });
    throw error;
  } finally {
    db.close();
  }
  try {
    verifySqliteBackup(partial);
    fsyncPath(partial);
    renameSync(partial, target);
    fsyncPath(dirname(target));
  } catch (error) {
    rmSync(partial, { force: true });
    throw error;
  }
  return { bytes: statSync(target).size };
}

/**
 * Checks that a file is an intact Millrace database: `PRAGMA integrity_check` answers ok and the
 * migrations table exists. Throws an Error saying what is wrong otherwise.
 */
export function verifySqliteBackup(path: string): { migrations: string[] } {
  if (!existsSync(path)) throw new Error(`there is no file at ${path}`);
  let db: Database;
  try {
    db = new Database(path, { readonly: true });
  } catch (error) {
    throw new Error(`${path} cannot be opened as SQLite: ${(error as Error).message}`);
  }
  try {
    const rows = db.query<{ integrity_check: string }, []>("PRAGMA integrity_check").all();
    const verdict = rows.map((row) => row.integrity_check).join("; ");
    if (verdict !== "ok") throw new Error(`${path} fails PRAGMA integrity_check: ${verdict}`);
    const table = db
      .query<{ name: string }, []>(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'millrace_migrations'",
      )
      .get();
    if (!table) throw new Error(`${path} is a SQLite file but not a Millrace database (no millrace_migrations table)`);
    const migrations = db
      .query<{ tag: string }, []>("SELECT tag FROM millrace_migrations ORDER BY tag")
      .all()
      .map((row) => row.tag);
    return { migrations };
  } catch (error) {
    if (error instanceof Error && error.message.startsWith(path)) throw error;
    throw new Error(`${path} is not a readable SQLite database: ${(error as Error).message}`);
  } finally {
    db.close();
  }
}

/** Deletes all but the newest `keep` backups in `dir` (by name, which sorts by time); returns what it deleted. */
export function pruneBackups(dir: string, keep: number): string[] {
  const backups = readdirSync(dir)
    .filter((name) => BACKUP_PATTERN.test(name))
    .sort();
  const doomed = backups.slice(0, Math.max(0, backups.length - keep));
  for (const name of doomed) rmSync(join(dir, name), { force: true });
  return doomed;
}

/**
 * True when another process has the database open (a running server holds a shared lock on a
 * WAL database for as long as it is open). Probes by asking for an exclusive lock without waiting.
 */
export function databaseInUse(path: string): boolean {
  if (!existsSync(path)) return false;
  const db = new Database(path);
  try {
    db.run("PRAGMA busy_timeout = 0");
    db.run("PRAGMA locking_mode = EXCLUSIVE");
    db.run("BEGIN EXCLUSIVE");
    db.run("ROLLBACK");
    return false;
  } catch (error) {
    if (/locked|busy/i.test((error as Error).message)) return true;
    throw error;
  } finally {
    db.close();
  }
}

/**
 * Replaces the database at `live` with a verified copy of `backup`. The current files (with any
 * -wal and -shm) are kept beside it as `<name>.before-restore-<time>` so a restore can be undone.
 * The caller must have made sure no server has the database open.
 */
export function restoreSqlite(backup: string, live: string, now: Date): { keptAs: string | null } {
  const incoming = `${live}.restore-partial`;
  rmSync(incoming, { force: true });
  // VACUUM INTO again rather than a byte copy: the result is compact and has no stray WAL.
  const source = new Database(backup, { readonly: true });
  try {
    source.query("VACUUM INTO ?").run(incoming);
  } finally {
    source.close();
  }
  verifySqliteBackup(incoming);
  fsyncPath(incoming);
  let keptAs: string | null = null;
  if (existsSync(live)) {
    keptAs = `${live}.before-restore-${basename(backupFileName(now), ".db").replace("millrace-", "")}`;
    renameSync(live, keptAs);
    for (const suffix of ["-wal", "-shm"]) {
      if (existsSync(live + suffix)) renameSync(live + suffix, keptAs + suffix);
    }
  }
  renameSync(incoming, live);
  fsyncPath(dirname(live));
  return { keptAs };
}
