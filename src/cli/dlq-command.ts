import { clientFor, CONNECTION_HELP, printJson, requireArg, requireYes, unknownSubcommand } from "./admin-support.ts";
import { EXIT, UsageError } from "./args.ts";
import type { Command } from "./command.ts";

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
      printJson(context, page);
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
      requireYes(context, "purging deletes every dead letter of the queue");
      const result = await client.request<{ purged: number }>("DELETE", `/v1/queues/${queue}/dead`);
      context.out(`purged ${result.purged} dead letter(s)`);
      return EXIT.ok;
    }
    throw unknownSubcommand(sub, ["list", "redrive", "purge"]);
  },
};
