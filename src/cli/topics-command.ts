import {
  clientFor,
  CONNECTION_HELP,
  printJson,
  printTable,
  requireArg,
  requireYes,
  unknownSubcommand,
} from "./admin-support.ts";
import type { ApiClient } from "./api-client.ts";
import { EXIT, UsageError } from "./args.ts";
import type { Command, CommandContext } from "./command.ts";

interface TopicSummary {
  name: string;
  createdAt?: string;
}

interface SubscriptionSummary {
  name: string;
  queue: string;
  filter: Record<string, string[]> | null;
}

const FILTER_EXAMPLE = `'{"type": ["order.paid", "order.refunded"]}'`;

export const topicsCommand: Command = {
  name: "topics",
  summary: "list, create or delete topics, and manage their subscriptions",
  help: `usage:
  millrace topics list [--json] [--page-size N]     every topic (fetched page by page)
  millrace topics show <topic>                      one topic, as JSON
  millrace topics create <topic>                    create it (no change if it exists)
  millrace topics delete <topic> --yes              delete it and its subscriptions (queues stay)
  millrace topics subscriptions list <topic> [--json]
  millrace topics subscriptions show <topic> <name>
  millrace topics subscriptions put <topic> <name> --queue <queue> [--filter JSON]
  millrace topics subscriptions delete <topic> <name>

A subscription copies each event published to the topic into its queue. --filter keeps only
events whose headers match: header name -> accepted values, e.g. --filter ${FILTER_EXAMPLE}.
put creates the subscription or replaces its queue and filter; without --filter it takes every event.

${CONNECTION_HELP}`,
  async run(context) {
    const client = clientFor(context);
    if (!client) return EXIT.config;
    const sub = context.args.positionals[1];
    switch (sub) {
      case "list": {
        const topics = await client.pages<TopicSummary>("/v1/topics", "topics", context.args.flags["--page-size"]);
        if (context.args.flags["--json"]) printJson(context, topics);
        else
          printTable(
            context,
            ["TOPIC", "CREATED_AT"],
            topics.map((t) => [t.name, t.createdAt ?? ""]),
          );
        return EXIT.ok;
      }
      case "show": {
        printJson(context, await client.request("GET", `/v1/topics/${requireArg(context, 2, "topic name")}`));
        return EXIT.ok;
      }
      case "create": {
        const topic = requireArg(context, 2, "topic name");
        const { status } = await client.send("PUT", `/v1/topics/${topic}`);
        const name = context.args.positionals[2]!;
        context.out(status === 201 ? `created topic ${name}` : `topic ${name} already exists`);
        return EXIT.ok;
      }
      case "delete": {
        const topic = requireArg(context, 2, "topic name");
        requireYes(context, "deleting a topic deletes its subscriptions (their queues and messages stay)");
        await client.request("DELETE", `/v1/topics/${topic}`);
        context.out(`deleted topic ${context.args.positionals[2]}`);
        return EXIT.ok;
      }
      case "subscriptions":
        return subscriptions(context, client);
      default:
        throw unknownSubcommand(sub, ["list", "show", "create", "delete", "subscriptions"]);
    }
  },
};

async function subscriptions(context: CommandContext, client: ApiClient): Promise<number> {
  const sub = context.args.positionals[2];
  const { flags } = context.args;
  const topic = () => requireArg(context, 3, "topic name");
  const name = () => requireArg(context, 4, "subscription name");
  switch (sub) {
    case "list": {
      const items = await client.pages<SubscriptionSummary>(`/v1/topics/${topic()}/subscriptions`, "subscriptions");
      if (flags["--json"]) printJson(context, items);
      else {
        printTable(
          context,
          ["SUBSCRIPTION", "QUEUE", "FILTER"],
          items.map((s) => [s.name, s.queue, s.filter === null ? "(every event)" : JSON.stringify(s.filter)]),
        );
      }
      return EXIT.ok;
    }
    case "show": {
      printJson(context, await client.request("GET", `/v1/topics/${topic()}/subscriptions/${name()}`));
      return EXIT.ok;
    }
    case "put": {
      const path = `/v1/topics/${topic()}/subscriptions/${name()}`;
      const queue = flags["--queue"];
      if (!queue) throw new UsageError("missing --queue <queue>: the queue the subscription delivers into");
      const body = { queue, filter: parseFilter(flags["--filter"]) };
      const { status, body: saved } = await client.send("PUT", path, body);
      context.out(`${status === 201 ? "created" : "updated"} subscription ${context.args.positionals[4]}`);
      if (flags["--json"]) printJson(context, saved);
      return EXIT.ok;
    }
    case "delete": {
      await client.request("DELETE", `/v1/topics/${topic()}/subscriptions/${name()}`);
      context.out(`deleted subscription ${context.args.positionals[4]}`);
      return EXIT.ok;
    }
    default:
      throw unknownSubcommand(sub, ["list", "show", "put", "delete"]);
  }
}

/** --filter is the API's JSON filter object; parsed here so a shell-quoting slip is a usage error. */
function parseFilter(raw: string | undefined): unknown {
  if (raw === undefined) return null;
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    throw new UsageError(`--filter is not JSON; write it like --filter ${FILTER_EXAMPLE}`);
  }
}
