import { EXIT, parseArgs, UsageError } from "./args.ts";
import { dlqCommand, queuesCommand } from "./admin-commands.ts";
import { backupCommand } from "./backup.ts";
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
  keysCommand,
  backupCommand,
  restoreCommand,
  versionCommand,
];

function usage(): string {
  const lines = COMMANDS.map((c) => `  ${c.name.padEnd(14)} ${c.summary}`);
  return `usage: millrace <command> [flags]\n\ncommands:\n${lines.join("\n")}\n\nRun \`millrace <command> --help\` for a command's flags.`;
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
  const name = args.positionals[0];
  if (!name || name === "help") {
    (name ? io.out : io.err)(usage());
    return name ? EXIT.ok : EXIT.usage;
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
    return EXIT.failure;
  }
}
