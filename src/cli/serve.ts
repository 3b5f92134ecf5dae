import { App } from "../app.ts";
import { sqliteFileIn } from "../storage/sqlite/data-file.ts";
import type { Config } from "../config/schema.ts";
import { SETTINGS } from "../config/schema.ts";
import { createLogger, errorContext } from "../observability/logger.ts";
import { DataDirLockedError } from "../storage/data-dir-lock.ts";
import { VERSION } from "../version.ts";
import { EXIT } from "./args.ts";
import type { Command } from "./command.ts";
import { startupFor } from "./load-config.ts";

const flagHelp = Object.values(SETTINGS)
  .map((s) => `  ${s.flag.padEnd(28)} ${s.doc} (env ${s.env}, default ${s.defaultText})`)
  .join("\n");

export const serveCommand: Command = {
  name: "serve",
  summary: "run the broker (API and background services)",
  help: `usage: millrace serve [flags]\n\nRuns until SIGTERM or SIGINT, then drains gracefully; a second signal exits at once.\nSIGHUP re-reads the API keys file.\n\n${flagHelp}`,
  async run(context) {
    const startup = startupFor(context);
    if (!startup) return EXIT.config;
    const { config } = startup;
    const logger = createLogger(config.logLevel);
    for (const problem of startup.unknownVariables) {
      logger.warn("unknown MILLRACE_* variable", { problem, hint: "`millrace check-config` refuses it" });
    }
    const app = new App(config, logger);
    try {
      await app.start();
    } catch (error) {
      if (error instanceof DataDirLockedError) {
        // A plain line for the person at the terminal, and the JSON line for the journal.
        context.err(`millrace serve: ${error.message}`);
        logger.error("millrace failed to start: the data directory is in use", {
          data_dir: error.dataDir,
          holder_pid: error.holderPid,
        });
        return EXIT.tempfail;
      }
      logger.error("millrace failed to start", errorContext(error));
      await app.stop().catch(() => undefined);
      return EXIT.software;
    }
    // For a person at a terminal (scripts/run); the JSON "millrace ready" line is for machines.
    context.err(readyLine(app, config));
    return new Promise<number>((resolve) => {
      let signalled = false;
      const onSignal = (signal: NodeJS.Signals) => {
        if (signalled) {
          logger.warn("second signal: exiting without finishing the drain", { signal });
          process.exit(EXIT.failure);
        }
        signalled = true;
        logger.info("shutdown requested", { signal });
        app.stop().then(
          () => resolve(EXIT.ok),
          (error: unknown) => {
            logger.error("shutdown failed", errorContext(error));
            resolve(EXIT.software);
          },
        );
      };
      process.on("SIGTERM", onSignal);
      process.on("SIGINT", onSignal);
      // SIGHUP (systemctl reload) re-reads the API keys file without a restart.
      process.on("SIGHUP", () => {
        logger.info("reload requested", { signal: "SIGHUP" });
        void app.reload();
      });
    });
  },
};

/** `millrace 0.1.0 ready on http://127.0.0.1:7411 (sqlite at /var/lib/millrace/millrace.db)`. */
export function readyLine(app: App, config: Config): string {
  const store = config.databaseUrl === null ? `sqlite at ${sqliteFileIn(config.dataDir)}` : "postgresql";
  const where = config.mode === "worker" ? "in worker mode (no API)" : `on ${app.url}`;
  const metrics = config.metrics && config.metricsListen ? `; metrics on ${app.metricsUrl}/metrics` : "";
  return `millrace ${VERSION} ready ${where} (${store}${metrics})`;
}
