import type { QueueStats } from "../domain/message.ts";
import {
  clientFor,
  CONNECTION_HELP,
  printJson,
  printTable,
  requireArg,
  requireYes,
  unknownSubcommand,
} from "./admin-support.ts";
import { EXIT, UsageError } from "./args.ts";
import type { Command, CommandContext } from "./command.ts";
import type { ApiClient } from "./api-client.ts";
import { QUEUE_SETTINGS_FLAGS_HELP, queueSettingsFromFlags } from "./queue-settings-flags.ts";

/** The part of a queue view this command prints. */
interface QueueSummary {
  name: string;
  stats: QueueStats;
}

const SUBCOMMANDS = ["list", "show", "create", "update", "delete", "purge", "pause", "resume"];

export const queuesCommand: Command = {
  name: "queues",
  summary: "list, show, create, update, delete, purge, pause or resume queues",
  help: `usage:
  millrace queues list [--json] [--page-size N] every queue with its stats (fetched page by page)
  millrace queues show <queue>                  one queue's settings and stats, as JSON
  millrace queues create <queue> [settings]     create it (or apply the settings if it exists)
  millrace queues update <queue> [settings]     change settings of an existing queue
  millrace queues delete <queue> --yes          delete it with all its messages and subscriptions into it
  millrace queues purge <queue> --yes           drop every message that is not dead
  millrace queues pause <queue>                 stop receives and webhook delivery (publishes go on)
  millrace queues resume <queue>                start them again

${QUEUE_SETTINGS_FLAGS_HELP}

${CONNECTION_HELP}`,
  async run(context) {
    const client = clientFor(context);
    if (!client) return EXIT.config;
    const sub = context.args.positionals[1];
    switch (sub) {
      case "list":
        return list(context, client);
      case "show": {
        printJson(context, await client.request("GET", `/v1/queues/${requireArg(context, 2, "queue name")}`));
        return EXIT.ok;
      }
      case "create":
      case "update":
        return put(context, client, sub);
      case "delete": {
        const queue = requireArg(context, 2, "queue name");
        requireYes(context, "deleting a queue deletes all its messages and the subscriptions into it");
        await client.request("DELETE", `/v1/queues/${queue}`);
        context.out(`deleted queue ${context.args.positionals[2]}`);
        return EXIT.ok;
      }
      case "purge": {
        const queue = requireArg(context, 2, "queue name");
        requireYes(context, "purging drops every ready, delayed and leased message of the queue");
        const result = await client.request<{ purged: number }>("POST", `/v1/queues/${queue}/purge`);
        context.out(`purged ${result.purged} message(s) from ${context.args.positionals[2]}`);
        return EXIT.ok;
      }
      case "pause":
      case "resume": {
        const queue = requireArg(context, 2, "queue name");
        await client.request("POST", `/v1/queues/${queue}/${sub}`);
        context.out(`${sub === "pause" ? "paused" : "resumed"} queue ${context.args.positionals[2]}`);
        return EXIT.ok;
      }
      default:
        throw unknownSubcommand(sub, SUBCOMMANDS);
    }
  },
};

async function list(context: CommandContext, client: ApiClient): Promise<number> {
  const queues = await client.pages<QueueSummary>("/v1/queues", "queues", context.args.flags["--page-size"]);
  if (context.args.flags["--json"]) {
    printJson(context, queues);
    return EXIT.ok;
  }
  printTable(
    context,
    ["QUEUE", "READY", "DELAYED", "LEASED", "DEAD", "OLDEST_READY_S"],
    queues.map(({ name, stats: s }) => [
      name,
      s.ready,
      s.delayed,
      s.leased,
      s.dead,
      s.oldestReadyAgeSeconds.toFixed(1),
    ]),
  );
  return EXIT.ok;
}

async function put(context: CommandContext, client: ApiClient, sub: "create" | "update"): Promise<number> {
  const queue = requireArg(context, 2, "queue name");
  const name = context.args.positionals[2]!;
  const settings = queueSettingsFromFlags(context.args.flags);
  if (sub === "update") {
    if (Object.keys(settings).length === 0) throw new UsageError("give at least one setting to change");
    // PUT creates missing queues; update must not, so a mistyped name is an error, not a new queue.
    await client.request("GET", `/v1/queues/${queue}`);
  }
  const { status, body } = await client.send("PUT", `/v1/queues/${queue}`, settings);
  context.out(
    status === 201
      ? `created queue ${name}`
      : sub === "create"
        ? `queue ${name} already exists; settings applied`
        : `updated queue ${name}`,
  );
  if (context.args.flags["--json"]) printJson(context, body);
  return EXIT.ok;
}
