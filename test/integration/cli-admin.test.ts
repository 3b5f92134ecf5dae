import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { runCli } from "../../src/cli/index.ts";
import { client, startApp, type RunningApp } from "../helpers/start-app.ts";

// `millrace queues` and `millrace topics` against a real server: every verb, its output, and
// that the broker's state changed accordingly.

let server: RunningApp;
let call: ReturnType<typeof client>;

beforeAll(async () => {
  server = await startApp();
  call = client(server.url);
});
afterAll(async () => server.stop());

async function cli(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(argv, { MILLRACE_URL: server.url }, { out: (t) => out.push(t), err: (t) => err.push(t) });
  return { code, out: out.join("\n"), err: err.join("\n") };
}

describe("millrace queues", () => {
  test("create with settings flags, then update, show, purge and delete", async () => {
    const created = await cli([
      "queues",
      "create",
      "cq-orders",
      "--max-attempts",
      "3",
      "--backoff-base-ms",
      "250",
      "--backoff-jitter",
      "none",
      "--settings",
      '{"retentionSeconds": 3600}',
    ]);
    expect(created).toMatchObject({ code: 0, out: "created queue cq-orders" });
    let settings = (await call("GET", "/v1/queues/cq-orders")).body.settings;
    expect(settings).toMatchObject({
      maxAttempts: 3,
      retentionSeconds: 3600,
      backoff: { baseMs: 250, jitter: "none" },
    });

    expect((await cli(["queues", "create", "cq-orders"])).out).toBe("queue cq-orders already exists; settings applied");
    expect((await cli(["queues", "update", "cq-orders", "--visibility-timeout-seconds", "90"])).out).toBe(
      "updated queue cq-orders",
    );
    settings = JSON.parse((await cli(["queues", "show", "cq-orders"])).out).settings;
    expect(settings).toMatchObject({ visibilityTimeoutSeconds: 90, maxAttempts: 3 });

    await call("POST", "/v1/queues/cq-orders/messages", { messages: [{ body: 1 }, { body: 2 }] });
    expect((await cli(["queues", "purge", "cq-orders"])).code).toBe(64);
    expect((await cli(["queues", "purge", "cq-orders", "--yes"])).out).toBe("purged 2 message(s) from cq-orders");

    expect((await cli(["queues", "pause", "cq-orders"])).out).toBe("paused queue cq-orders");
    expect((await call("GET", "/v1/queues/cq-orders")).body.paused).toBe(true);
    expect((await cli(["queues", "resume", "cq-orders"])).out).toBe("resumed queue cq-orders");
    expect((await call("GET", "/v1/queues/cq-orders")).body.paused).toBe(false);

    expect((await cli(["queues", "delete", "cq-orders"])).code).toBe(64);
    expect((await cli(["queues", "delete", "cq-orders", "--yes"])).out).toBe("deleted queue cq-orders");
    expect((await call("GET", "/v1/queues/cq-orders")).status).toBe(404);
  });

  test("update refuses a queue that does not exist instead of creating it", async () => {
    const result = await cli(["queues", "update", "cq-typo", "--max-attempts", "2"]);
    expect(result.code).toBe(1);
    expect(result.err).toContain("404");
    expect((await call("GET", "/v1/queues/cq-typo")).status).toBe(404);
    expect((await cli(["queues", "update", "cq-typo"])).err).toContain("give at least one setting to change");
  });

  test("bad flag values are usage errors; range errors come from the server naming the field", async () => {
    expect((await cli(["queues", "create", "cq-bad", "--max-attempts", "lots"])).err).toContain(
      '--max-attempts "lots" is not a number',
    );
    const delivery = await cli(["queues", "create", "cq-bad", "--delivery-url", "https://hooks.example.com/x"]);
    expect(delivery.code).toBe(64);
    expect(delivery.err).toContain("--delivery-secret");
    const range = await cli(["queues", "create", "cq-bad", "--max-attempts", "0"]);
    expect(range.code).toBe(1);
    expect(range.err).toContain("maxAttempts");
  });

  test("list follows nextCursor over every page", async () => {
    for (const name of ["cq-page-a", "cq-page-b", "cq-page-c", "cq-page-d", "cq-page-e"]) {
      await call("PUT", `/v1/queues/${name}`, {});
    }
    const listed = await cli(["queues", "list", "--page-size", "2", "--json"]);
    expect(listed.code).toBe(0);
    const names = (JSON.parse(listed.out) as Array<{ name: string }>)
      .map((q) => q.name)
      .filter((n) => n.startsWith("cq-page-"));
    expect(names).toEqual(["cq-page-a", "cq-page-b", "cq-page-c", "cq-page-d", "cq-page-e"]);
    expect((await cli(["queues", "list"])).out).toMatch(/^QUEUE\tREADY/);
  });

  test("--help lists every verb and setting flag, on stdout with exit 0", async () => {
    const help = await cli(["queues", "--help"]);
    expect(help.code).toBe(0);
    for (const verb of ["list", "show", "create", "update", "delete", "purge", "pause", "resume"]) {
      expect(help.out).toContain(`millrace queues ${verb}`);
    }
    expect(help.out).toContain("--backoff-max-ms");
    expect((await cli(["queues", "frobnicate"])).err).toContain('unknown subcommand "frobnicate"');
  });
});

// These use GET /v1/topics, DELETE /v1/topics/{t} and GET/DELETE of one subscription, which the
// HTTP layer gains in the same issue (item 6).
describe("millrace topics", () => {
  test("create, list and delete topics", async () => {
    expect((await cli(["topics", "create", "ct-orders"])).out).toBe("created topic ct-orders");
    expect((await cli(["topics", "create", "ct-orders"])).out).toBe("topic ct-orders already exists");
    await cli(["topics", "create", "ct-billing"]);
    const listed = await cli(["topics", "list", "--json", "--page-size", "1"]);
    expect(listed.code).toBe(0);
    const names = (JSON.parse(listed.out) as Array<{ name: string }>).map((t) => t.name);
    expect(names).toContain("ct-orders");
    expect(names).toContain("ct-billing");
    expect((await cli(["topics", "list"])).out).toMatch(/^TOPIC\tCREATED_AT\n(.*\n)*ct-orders\t/);

    expect(JSON.parse((await cli(["topics", "show", "ct-orders"])).out)).toMatchObject({ name: "ct-orders" });
    expect((await cli(["topics", "delete", "ct-billing"])).code).toBe(64);
    expect((await cli(["topics", "delete", "ct-billing", "--yes"])).out).toBe("deleted topic ct-billing");
    const after = JSON.parse((await cli(["topics", "list", "--json"])).out) as Array<{ name: string }>;
    expect(after.map((t) => t.name)).not.toContain("ct-billing");
  });

  test("subscriptions put, list, show and delete", async () => {
    await call("PUT", "/v1/queues/ct-paid", {});
    await cli(["topics", "create", "ct-events"]);
    const put = await cli([
      "topics",
      "subscriptions",
      "put",
      "ct-events",
      "paid",
      "--queue",
      "ct-paid",
      "--filter",
      '{"type": ["order.paid"]}',
    ]);
    expect(put).toMatchObject({ code: 0, out: "created subscription paid" });
    expect((await cli(["topics", "subscriptions", "put", "ct-events", "paid", "--queue", "ct-paid"])).out).toBe(
      "updated subscription paid",
    );
    const listed = await cli(["topics", "subscriptions", "list", "ct-events"]);
    expect(listed.out).toBe("SUBSCRIPTION\tQUEUE\tFILTER\npaid\tct-paid\t(every event)");

    const shown = JSON.parse((await cli(["topics", "subscriptions", "show", "ct-events", "paid"])).out);
    expect(shown).toMatchObject({ name: "paid", queue: "ct-paid" });

    expect((await cli(["topics", "subscriptions", "delete", "ct-events", "paid"])).out).toBe(
      "deleted subscription paid",
    );
    expect((await call("GET", "/v1/topics/ct-events/subscriptions")).body.subscriptions).toEqual([]);
  });

  test("usage errors: missing --queue, a filter that is not JSON, unknown verbs", async () => {
    expect((await cli(["topics", "subscriptions", "put", "ct-events", "x"])).err).toContain("missing --queue");
    const filter = await cli([
      "topics",
      "subscriptions",
      "put",
      "ct-events",
      "x",
      "--queue",
      "q",
      "--filter",
      "type=a",
    ]);
    expect(filter.code).toBe(64);
    expect(filter.err).toContain("--filter is not JSON");
    expect((await cli(["topics", "subscriptions"])).err).toContain("missing subcommand");
    const help = await cli(["topics", "--help"]);
    expect(help.code).toBe(0);
    expect(help.out).toContain("millrace topics subscriptions put <topic> <name> --queue <queue>");
  });
});
