import { keysFileProblems } from "../auth/keys-file-check.ts";
import { ConfigError, loadConfig } from "../config/load.ts";
import type { Config } from "../config/schema.ts";
import { checkStartup, type StartupCheck } from "../config/start-checks.ts";
import type { CommandContext } from "./command.ts";

/** Loads configuration for a command; prints one line per problem and returns null when invalid. */
export function configFor(context: CommandContext): Config | null {
  return reported(context, () => loadConfig({ env: context.env, flags: context.args.flags }));
}

/**
 * What `serve` and `check-config` both use, so that check-config refuses exactly what serve
 * would refuse at start: the configuration, the start-time checks (see checkStartup) and the API
 * keys file's content.
 */
export function startupFor(context: CommandContext): StartupCheck | null {
  return reported(context, () => {
    const startup = checkStartup({ env: context.env, flags: context.args.flags });
    const problems = keysFileProblems(startup.config);
    if (problems.length > 0) throw new ConfigError(problems);
    return startup;
  });
}

function reported<T>(context: CommandContext, load: () => T): T | null {
  try {
    return load();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    reportProblems(context, error.problems);
    return null;
  }
}

export function reportProblems(context: CommandContext, problems: string[]): void {
  for (const problem of problems) context.err(`config error: ${problem}`);
  context.err(
    "fix the values above (in /etc/millrace/millrace.env under systemd) and try again; `millrace check-config` re-checks",
  );
}
