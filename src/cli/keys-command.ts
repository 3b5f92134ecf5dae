import { generateAccessKey } from "../auth/access-key-format.ts";
import { generateKey } from "../auth/api-key-format.ts";
import { isScope, QueuePatterns } from "../auth/principal.ts";
import { EXIT, UsageError } from "./args.ts";
import type { Command } from "./command.ts";

export const keysCommand: Command = {
  name: "keys",
  summary: "create an API key and print the line for the keys file",
  help: `usage: millrace keys create --scopes publish,consume,admin --queues 'orders-*,billing' [--name NAME] [--sqs]

Prints the new key once (it is not stored anywhere), then the line to append to the file named
by MILLRACE_API_KEYS_FILE. The broker picks the edit up without a restart. Queue patterns use
* as a wildcard; --queues '*' allows every queue.

With --sqs it creates an SQS access key instead: an access key id and a secret access key for
AWS SDKs, boto3 and the aws CLI (Signature Version 4), with the same scopes and queue patterns.`,
  async run(context) {
    const [, sub] = context.args.positionals;
    if (sub !== "create") throw new UsageError(`unknown subcommand "${sub ?? ""}"; use create`);
    const { flags } = context.args;
    const scopes = (flags["--scopes"] ?? "").split(",").filter(Boolean);
    if (scopes.length === 0 || !scopes.every(isScope)) {
      throw new UsageError("--scopes must list one or more of publish, consume, admin, comma-separated");
    }
    const queues = (flags["--queues"] ?? "").split(",").filter(Boolean);
    if (queues.length === 0) throw new UsageError("--queues must list queue-name patterns, or '*' for every queue");
    try {
      QueuePatterns.parse(queues);
    } catch (error) {
      throw new UsageError(`--queues: ${(error as Error).message}`);
    }
    const name = flags["--name"] ?? null;
    if (name !== null && !/^[A-Za-z0-9._-]{1,64}$/.test(name)) {
      throw new UsageError("--name may use letters, digits, . _ and -, up to 64 characters");
    }
    if (flags["--sqs"] === "true") {
      const access = generateAccessKey(scopes, queues, name);
      context.out(`aws_access_key_id: ${access.accessKeyId}`);
      context.out(`aws_secret_access_key: ${access.secret}`);
      context.out("store the secret now; add this line to the keys file (it holds the secret: keep it private):");
      context.out(access.line);
      return EXIT.ok;
    }
    const { key, line } = generateKey(scopes, queues, name);
    context.out(`key: ${key}`);
    context.out("store it now; it cannot be shown again. Add this line to the keys file:");
    context.out(line);
    return EXIT.ok;
  },
};
