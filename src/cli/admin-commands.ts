import type { QueueStats } from "../domain/message.ts";
import { EXIT, UsageError } from "./args.ts";
import { ApiClient } from "./api-client.ts";
import type { Command, CommandContext } from "./command.ts";
import { configFor } from "./load-config.ts";

/** The part of GET /v1/queues this command prints. */
interface QueueSummary {
  name: string;
  stats: QueueStats;
}

function clientFor(context: CommandContext): ApiClient | null {
  const config = configFor(context);
  return config ? ApiClient.fromConfig(config, context.args.flags, context.env) : null;
}

function requireArg(context: CommandContext, index: number, what: string): string {
  const value = context.args.positionals[index];
  if (!value) throw new UsageError(`missing ${what}`);
  return encodeURIComponent(value);
}

const CONNECTION_HELP =
  "The broker is reached at --url, else $MILLRACE_URL, else the address in MILLRACE_LISTEN.\nWith authentication on, pass an admin-scoped key or token as --token or $MILLRACE_TOKEN.";

export const queuesCommand: Command = {
  name: "queues",
  summary: "list queues, or show one queue's settings and stats",
  help: `usage:\n  millrace queues list [--json]\n  millrace queues show <queue>\n\n${CONNECTION_HELP}`,
  async run(context) {
    const client = clientFor(context);
    if (!client) return EXIT.config;
    const [, sub] = context.args.positionals;
    if (sub === "list") {
      const { queues } = await client.request<{ queues: QueueSummary[] }>("GET", "/v1/queues");
      if (context.args.flags["--json"]) {
        context.out(JSON.stringify(queues, null, 2));
        return EXIT.ok;
      }
      context.out(["QUEUE", "READY", "DELAYED", "LEASED", "DEAD", "OLDEST_READY_S"].join("\t"));
      for (const q of queues) {
        const s = q.stats;
        context.out([q.name, s.ready, s.delayed, s.leased, s.dead, s.oldestReadyAgeSeconds.toFixed(1)].join("\t"));
      }
      return EXIT.ok;
    }
    if (sub === "show") {
      const queue = await client.request("GET", `/v1/queues/${requireArg(context, 2, "queue name")}`);
      context.out(JSON.stringify(queue, null, 2));
      return EXIT.ok;
    }
    throw new UsageError(`unknown subcommand "${sub ?? ""}"; use list or show`);
  },
};

export const dlqCommand: Command = {
  name: "dlq",
  summary: "list, redrive or purge a queue's dead letters",
  help: `usage:
  millrace dlq list <queue> [--limit N] [--after CURSOR]
  millrace dlq redrive <queue> (--all | --ids ID,ID,...)
  millrace dlq purge <queue> --yes

${CONNECTION_HELP}`,
  async run(context) {
    const client = clientFor(context);
    if (!client) return EXIT.config;
    const [, sub] = context.args.positionals;
    const { flags } = context.args;
    if (sub === "list") {
      const query = new URLSearchParams();
      if (flags["--limit"]) query.set("limit", flags["--limit"]);
      if (flags["--after"]) query.set("after", flags["--after"]);
      const page = await client.request("GET", `/v1/queues/${requireArg(context, 2, "queue name")}/dead?${query}`);
      context.out(JSON.stringify(page, null, 2));
      return EXIT.ok;
    }
    if (sub === "redrive") {
      const queue = requireArg(context, 2, "queue name");
      if (!flags["--all"] === !flags["--ids"]) throw new UsageError("give either --all or --ids ID,ID,...");
      const body = flags["--all"] ? { all: true } : { ids: flags["--ids"]!.split(",").filter(Boolean) };
      const result = await client.request<{ redriven: number }>("POST", `/v1/queues/${queue}/dead/redrive`, body);
      context.out(`redrove ${result.redriven} message(s)`);
      return EXIT.ok;
    }
    if (sub === "purge") {
      const queue = requireArg(context, 2, "queue name");
      if (!flags["--yes"]) throw new UsageError("purging deletes every dead letter of the queue; add --yes to confirm");
      const result = await client.request<{ purged: number }>("DELETE", `/v1/queues/${queue}/dead`);
      context.out(`purged ${result.purged} dead letter(s)`);
      return EXIT.ok;
    }
    throw new UsageError(`unknown subcommand "${sub ?? ""}"; use list, redrive or purge`);
  },
};
