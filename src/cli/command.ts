import type { ParsedArgs } from "./args.ts";

export interface CommandContext {
  args: ParsedArgs;
  env: Record<string, string | undefined>;
  out: (text: string) => void;
  err: (text: string) => void;
}

export interface Command {
  name: string;
  summary: string;
  /** Full help text shown by `millrace <name> --help`. */
  help: string;
  /** Resolves to the process exit code. */
  run(context: CommandContext): Promise<number>;
}
