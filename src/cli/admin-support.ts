import { UsageError } from "./args.ts";
import { ApiClient } from "./api-client.ts";
import type { CommandContext } from "./command.ts";
import { configFor } from "./load-config.ts";

// What the admin commands (queues, topics, dlq) share: how they reach the broker and read arguments.

export const CONNECTION_HELP =
  "The broker is reached at --url, else $MILLRACE_URL, else the address in MILLRACE_LISTEN.\n" +
  "With authentication on, pass an admin-scoped key or token as --token or $MILLRACE_TOKEN.";

/** The client for the configured broker, or null when the configuration is invalid (already reported). */
export function clientFor(context: CommandContext): ApiClient | null {
  const config = configFor(context);
  return config ? ApiClient.fromConfig(config, context.args.flags, context.env) : null;
}

/** The positional argument at `index`, URL-encoded for a path segment. */
export function requireArg(context: CommandContext, index: number, what: string): string {
  const value = context.args.positionals[index];
  if (!value) throw new UsageError(`missing ${what}`);
  return encodeURIComponent(value);
}

/** Destructive commands need --yes, so a slip of the shell history cannot drop data. */
export function requireYes(context: CommandContext, what: string): void {
  if (!context.args.flags["--yes"]) throw new UsageError(`${what}; add --yes to confirm`);
}

/** Prints rows as tab-separated columns under a header (easy to read, easy to `cut`). */
export function printTable(context: CommandContext, header: string[], rows: Array<Array<string | number>>): void {
  context.out(header.join("\t"));
  for (const row of rows) context.out(row.join("\t"));
}

export function printJson(context: CommandContext, value: unknown): void {
  context.out(JSON.stringify(value, null, 2));
}

/** A subcommand name that is not one of `known`. */
export function unknownSubcommand(sub: string | undefined, known: string[]): UsageError {
  const choices = `${known.slice(0, -1).join(", ")} or ${known.at(-1)}`;
  return new UsageError(sub ? `unknown subcommand "${sub}"; use ${choices}` : `missing subcommand; use ${choices}`);
}
