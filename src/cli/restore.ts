import { chownSync, existsSync, mkdirSync, statSync } from "node:fs";
import { resolve } from "node:path";
import { SQLITE_FILE_NAME, sqliteFileIn } from "../storage/sqlite/data-file.ts";
import { DataDirLockedError, lockDataDir, type DataDirLock } from "../storage/data-dir-lock.ts";
import { databaseInUse, restoreSqlite, verifySqliteBackup } from "../storage/sqlite/backup.ts";
import { EXIT, UsageError } from "./args.ts";
import type { Command } from "./command.ts";
import { configFor } from "./load-config.ts";

const POSTGRES_RESTORE_ADVICE =
  "MILLRACE_DATABASE_URL is set, so the data lives in PostgreSQL and `millrace restore` does not apply. " +
  "Stop every instance, restore a pg_dump with `pg_restore --clean --dbname=... millrace.dump`, then start them.";

export const restoreCommand: Command = {
  name: "restore",
  summary: "replace the SQLite database with a verified backup (the server must be stopped)",
  help: `usage: millrace restore <backup file> [--data-dir DIR]

Checks the backup first (PRAGMA integrity_check, and that it is a Millrace database), refuses
(exit 75) while a server holds the data directory, then swaps it in. The previous database is kept beside it as
${SQLITE_FILE_NAME}.before-restore-<time> so the restore can be undone.

Under systemd:
  sudo systemctl stop millrace
  sudo -u millrace millrace restore --data-dir /var/lib/millrace /var/backups/millrace/millrace-<time>.db
  sudo systemctl start millrace`,
  async run(context) {
    const config = configFor(context);
    if (!config) return EXIT.config;
    if (config.databaseUrl !== null) {
      context.err(POSTGRES_RESTORE_ADVICE);
      return EXIT.unavailable;
    }
    const file = context.args.positionals[1];
    if (!file) throw new UsageError("missing the backup file to restore");
    const backup = resolve(file);
    const live = sqliteFileIn(config.dataDir);

    let migrations: string[];
    try {
      ({ migrations } = verifySqliteBackup(backup));
    } catch (error) {
      context.err(`millrace restore: the backup is not usable: ${(error as Error).message}`);
      context.err("nothing was changed; pick another backup (ls /var/backups/millrace) and try again");
      return EXIT.failure;
    }
    context.out(`backup ${backup} verified: integrity ok, migrations ${migrations.join(", ") || "none"}`);

    mkdirSync(config.dataDir, { recursive: true });
    // The server's own lock: held for the whole swap, so no server can start on a half-restored directory.
    let lock: DataDirLock;
    try {
      lock = lockDataDir(config.dataDir);
    } catch (error) {
      if (!(error instanceof DataDirLockedError)) throw error;
      context.err(`millrace restore: ${error.message}. Nothing was changed; run restore again once it has stopped.`);
      return EXIT.tempfail;
    }
    let keptAs: string | null;
    try {
      // A process that has the database open without the lock (an older version, a sqlite3 shell).
      if (databaseInUse(live)) {
        context.err(
          `millrace restore: ${live} is open in another process (a running server?); nothing was changed. ` +
            "Stop it first (sudo systemctl stop millrace, or millrace@<instance>), then run restore again.",
        );
        return EXIT.unavailable;
      }
      ({ keptAs } = restoreSqlite(backup, live, new Date()));
      // Run as root, keep the file owned like its directory so the service user can still open it.
      if (process.getuid?.() === 0) {
        const owner = statSync(config.dataDir);
        chownSync(live, owner.uid, owner.gid);
      }
    } finally {
      lock.release();
    }
    context.out(`restored ${backup} into ${live}`);
    if (keptAs && existsSync(keptAs)) {
      context.out(`the previous database is kept as ${keptAs}; delete it once the restored data looks right`);
    }
    context.out("start the server again (sudo systemctl start millrace); it applies any newer migrations at start");
    return EXIT.ok;
  },
};
