import { mkdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { SQLITE_FILE_NAME, sqliteFileIn } from "../storage/sqlite/data-file.ts";
import { backupFileName, pruneBackups, snapshotSqlite } from "../storage/sqlite/backup.ts";
import { EXIT, UsageError } from "./args.ts";
import type { Command } from "./command.ts";
import { configFor } from "./load-config.ts";

export const POSTGRES_BACKUP_ADVICE =
  "MILLRACE_DATABASE_URL is set, so the data lives in PostgreSQL and `millrace backup` has nothing to copy. " +
  'Back it up with PostgreSQL\'s tools, e.g. `pg_dump --format=custom --file=millrace.dump "$MILLRACE_DATABASE_URL"`, ' +
  "and restore with `pg_restore --clean --dbname=... millrace.dump` while every instance is stopped.";

export const DEFAULT_BACKUP_DIR = "/var/backups/millrace";

export const backupCommand: Command = {
  name: "backup",
  summary: "take a consistent online backup of the SQLite database (safe while serving)",
  help: `usage: millrace backup [--output-dir DIR] [--keep N] [--data-dir DIR]
       millrace backup --output FILE [--data-dir DIR]

Copies <data dir>/${SQLITE_FILE_NAME} with VACUUM INTO from a separate read connection: one
consistent snapshot, taken while the server keeps serving. The copy passes PRAGMA integrity_check
before it gets its final name.

  --output-dir DIR  write DIR/millrace-<UTC time>.db (default ${DEFAULT_BACKUP_DIR})
  --keep N          then delete all but the newest N millrace-*.db files in DIR (default: keep all)
  --output FILE     write exactly FILE instead (it must not exist)

Under systemd the data dir is /var/lib/millrace: run as the service user, e.g.
  sudo -u millrace millrace backup --data-dir /var/lib/millrace --output-dir /var/backups/millrace
With MILLRACE_DATABASE_URL set, it prints how to use pg_dump instead and exits ${EXIT.unavailable}.`,
  async run(context) {
    const config = configFor(context);
    if (!config) return EXIT.config;
    if (config.databaseUrl !== null) {
      context.err(POSTGRES_BACKUP_ADVICE);
      return EXIT.unavailable;
    }
    const { flags } = context.args;
    const keepRaw = flags["--keep"];
    const keep = keepRaw === undefined ? null : Number(keepRaw);
    if (keep !== null && (!Number.isSafeInteger(keep) || keep < 1)) {
      throw new UsageError(`--keep "${keepRaw}" is not a whole number of at least 1`);
    }
    if (flags["--output"] && (flags["--output-dir"] || keep !== null)) {
      throw new UsageError("--output names one file; use --output-dir with --keep for rotating backups");
    }
    const source = sqliteFileIn(config.dataDir);
    const outputDir = resolve(flags["--output-dir"] ?? DEFAULT_BACKUP_DIR);
    const target = flags["--output"] ? resolve(flags["--output"]) : join(outputDir, backupFileName(new Date()));
    mkdirSync(dirname(target), { recursive: true, mode: 0o750 });
    const started = performance.now();
    try {
      const { bytes } = snapshotSqlite(source, target);
      context.out(
        `backed up ${source} to ${target} (${bytes} bytes, ${Math.round(performance.now() - started)} ms, integrity ok)`,
      );
    } catch (error) {
      context.err(`millrace backup: ${(error as Error).message}`);
      context.err(
        `check that ${source} is the live database (set --data-dir or MILLRACE_DATA_DIR; under systemd it is /var/lib/millrace), ` +
          `that this user may read it and write ${dirname(target)}, and that the disk has room`,
      );
      return EXIT.failure;
    }
    if (keep !== null) {
      for (const name of pruneBackups(outputDir, keep)) context.out(`deleted old backup ${join(outputDir, name)}`);
    }
    return EXIT.ok;
  },
};
