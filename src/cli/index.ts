import { EXIT, parseArgs, UnavailableError, UsageError } from "./args.ts";
import { dlqCommand } from "./dlq-command.ts";
import { queuesCommand } from "./queues-command.ts";
import { topicsCommand } from "./topics-command.ts";
import { backupCommand } from "./backup.ts";
import { copyCommand } from "./copy-command.ts";
import type { Command, CommandContext } from "./command.ts";
import { keysCommand } from "./keys-command.ts";
import { restoreCommand } from "./restore.ts";
import { serveCommand } from "./serve.ts";
import { checkConfigCommand, configCommand, migrateCommand, versionCommand } from "./simple-commands.ts";

const COMMANDS: Command[] = [
  serveCommand,
  migrateCommand,
  checkConfigCommand,
  configCommand,
  queuesCommand,
  dlqCommand,
  topicsCommand,
  keysCommand,
  backupCommand,
  restoreCommand,
  copyCommand,
  versionCommand,
];

function usage(): string {
  const lines = COMMANDS.map((c) => `  ${c.name.padEnd(14)} ${c.summary}`);
  return `usage: millrace <command> [flags]\n\ncommands:\n${lines.join("\n")}\n\nRun \`millrace <command> --help\` (or \`millrace help <command>\`) for its flags.`;
}

/** Runs the CLI and resolves to the exit code; never calls process.exit itself. */
export async function runCli(
  argv: string[],
  env: Record<string, string | undefined>,
  io: Pick<CommandContext, "out" | "err"> = {
    out: (text) => process.stdout.write(`${text}\n`),
    err: (text) => process.stderr.write(`${text}\n`),
  },
): Promise<number> {
  const args = parseArgs(argv);
  const [name, topic] = args.positionals;
  // Help that was asked for is output (stdout, exit 0); help shown because of a mistake is an error.
  if (name === undefined || name === "help") {
    const wanted = name === "help" ? topic : undefined;
    const target = wanted === undefined ? undefined : COMMANDS.find((c) => c.name === wanted);
    if (wanted !== undefined && !target) {
      io.err(`unknown command "${wanted}"\n\n${usage()}`);
      return EXIT.usage;
    }
    if (name === undefined && !args.flags["--help"]) {
      io.err(usage());
      return EXIT.usage;
    }
    io.out(target ? target.help : usage());
    return EXIT.ok;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) {
    io.err(`unknown command "${name}"\n\n${usage()}`);
    return EXIT.usage;
  }
  if (args.flags["--help"]) {
    io.out(command.help);
    return EXIT.ok;
  }
  try {
    return await command.run({ args, env, ...io });
  } catch (error) {
    if (error instanceof UsageError) {
      io.err(`${error.message}\n\n${command.help}`);
      return EXIT.usage;
    }
    io.err(`millrace ${name}: ${(error as Error).message}`);
    return error instanceof UnavailableError ? EXIT.unavailable : EXIT.failure;
  }
}
