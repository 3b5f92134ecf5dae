import { Database } from "bun:sqlite";
import { existsSync, mkdirSync } from "node:fs";
import { sqliteFileIn } from "../storage/sqlite/data-file.ts";
import { describeConfig } from "../config/load.ts";
import { listenProblems } from "../config/start-checks.ts";
import { DataDirLockedError, lockDataDir, type DataDirLock } from "../storage/data-dir-lock.ts";
import { openStore } from "../storage/open-store.ts";
import { COMMIT, VERSION } from "../version.ts";
import { EXIT, UnavailableError } from "./args.ts";
import type { Command } from "./command.ts";
import { configFor, reportProblems, startupFor } from "./load-config.ts";

export const versionCommand: Command = {
  name: "version",
  summary: "print the version, commit and Bun runtime",
  help: "usage: millrace version",
  async run({ out }) {
    out(`millrace ${VERSION} (commit ${COMMIT}, bun ${Bun.version})`);
    return EXIT.ok;
  },
};

export const checkConfigCommand: Command = {
  name: "check-config",
  summary: "validate the configuration and exit 0, or 78 listing each problem",
  help: `usage: millrace check-config [flags]

Runs the checks \`serve\` runs before it starts, and exits 78 where serve would: every setting
(the same flags and MILLRACE_* variables as serve), the storage this build supports, and that
the data directory can be created and written by this user (run it as the service user). A
MILLRACE_* variable that is not a setting is an error here (serve only warns), with the nearest
setting's name. It also tries the listen addresses: one that is not an address of this machine is
an error; a port in use (by the running server, say) is only a note. Not checked: whether the
database is reachable.`,
  async run(context) {
    const startup = startupFor(context);
    if (!startup) return EXIT.config;
    const listen = listenProblems(startup.config);
    for (const note of listen.notes) context.err(`note: ${note}`);
    const problems = [...startup.unknownVariables, ...listen.problems];
    if (problems.length > 0) {
      reportProblems(context, problems);
      return EXIT.config;
    }
    context.out("configuration is valid");
    return EXIT.ok;
  },
};

export const configCommand: Command = {
  name: "config",
  summary: "print the effective configuration, secrets redacted",
  help: "usage: millrace config [flags]",
  async run(context) {
    const config = configFor(context);
    if (!config) return EXIT.config;
    for (const [name, value] of Object.entries(describeConfig(config))) context.out(`${name}=${value}`);
    return EXIT.ok;
  },
};

export const migrateCommand: Command = {
  name: "migrate",
  summary: "apply pending database migrations and exit (serve also does this at start)",
  help: "usage: millrace migrate [flags]\n\nRuns the start-time checks of `serve` first (see `millrace check-config --help`).",
  async run(context) {
    // The same refusals as serve (exit 78) rather than a failure half-way through opening the store.
    const startup = startupFor(context);
    if (!startup) return EXIT.config;
    for (const problem of startup.unknownVariables) context.err(`warning: ${problem}`);
    const { config } = startup;
    const sqlitePath = sqliteFileIn(config.dataDir);
    let lock: DataDirLock | null = null;
    if (config.databaseUrl === null) {
      mkdirSync(config.dataDir, { recursive: true });
      // A running server migrated at its start; migrating under it is refused like a second server.
      try {
        lock = lockDataDir(config.dataDir);
      } catch (error) {
        if (!(error instanceof DataDirLockedError)) throw error;
        context.err(`millrace migrate: ${error.message}`);
        return EXIT.tempfail;
      }
    }
    let migrationsApplied: string[];
    try {
      if (config.databaseUrl === null && existsSync(sqlitePath)) {
        // Fail fast with a clear message instead of waiting on a busy database.
        new Database(sqlitePath, { readonly: true }).close();
      }
      // PostgreSQL: instances may be serving meanwhile; migrations take an advisory lock.
      const opened = await openStore({
        databaseUrl: config.databaseUrl,
        sqlitePath,
        postgres: {
          poolSize: 1,
          connectTimeoutSeconds: config.databaseConnectTimeoutSeconds,
          statementTimeoutMs: config.databaseStatementTimeoutMs,
          caFile: config.databaseCaFile,
        },
      }).catch((error: unknown) => {
        // A database that does not answer is a condition to retry, not a bug: exit 69.
        throw config.databaseUrl === null ? error : new UnavailableError((error as Error).message);
      });
      migrationsApplied = opened.migrationsApplied;
      await opened.store.close();
    } finally {
      lock?.release();
    }
    context.out(
      migrationsApplied.length === 0
        ? "database schema is up to date"
        : `applied ${migrationsApplied.length} migration(s): ${migrationsApplied.join(", ")}`,
    );
    return EXIT.ok;
  },
};
