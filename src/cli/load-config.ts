import { ConfigError, loadConfig } from "../config/load.ts";
import type { Config } from "../config/schema.ts";
import type { CommandContext } from "./command.ts";

/** Loads configuration for a command; prints one line per problem and returns null when invalid. */
export function configFor(context: CommandContext): Config | null {
  try {
    return loadConfig({ env: context.env, flags: context.args.flags });
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    for (const problem of error.problems) context.err(`config error: ${problem}`);
    context.err(
      "fix the values above (in /etc/millrace/millrace.env under systemd) and try again; `millrace check-config` re-checks",
    );
    return null;
  }
}
