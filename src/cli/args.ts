/** `--name value`, `--name=value` and bare `--switch` (value "true"); everything else is positional. */
export interface ParsedArgs {
  positionals: string[];
  flags: Record<string, string>;
}

/** Flags that never take a value, so `--help queues` does not swallow `queues`. */
const SWITCHES = new Set([
  "--help",
  "-h",
  "--all",
  "--yes",
  "--json",
  "--docs",
  "--no-delivery",
  "--into-non-empty",
  "--sqs",
]);

export function parseArgs(argv: string[]): ParsedArgs {
  const positionals: string[] = [];
  const flags: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith("-")) {
      positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf("=");
    if (eq > 0) {
      flags[arg.slice(0, eq)] = arg.slice(eq + 1);
    } else if (SWITCHES.has(arg) || i + 1 >= argv.length || argv[i + 1]!.startsWith("--")) {
      flags[arg === "-h" ? "--help" : arg] = "true";
    } else {
      flags[arg] = argv[++i]!;
    }
  }
  return { positionals, flags };
}

/** Exit codes from sysexits.h, so scripts and systemd can tell failures apart. */
/** sysexits(3); `tempfail` (75): the data directory is held by another process, try again once it stopped. */
export const EXIT = { ok: 0, failure: 1, usage: 64, unavailable: 69, software: 70, tempfail: 75, config: 78 } as const;

/** Bad command-line use: the message and the command's help go to stderr, exit 64. */
export class UsageError extends Error {
  override readonly name = "UsageError";
}

/** The broker cannot be reached, or answered 503: exit 69, so scripts can retry later. */
export class UnavailableError extends Error {
  override readonly name = "UnavailableError";
}
