import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { runCli } from "../../src/cli/index.ts";
import { client, startApp, type RunningApp } from "../helpers/start-app.ts";

// The CLI's admin commands against a real server, and its exit codes.

let server: RunningApp;

beforeAll(async () => {
  server = await startApp();
});
afterAll(async () => server.stop());

async function cli(
  argv: string[],
  env: Record<string, string> = {},
): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(
    argv,
    { MILLRACE_URL: server.url, ...env },
    { out: (t) => out.push(t), err: (t) => err.push(t) },
  );
  return { code, out: out.join("\n"), err: err.join("\n") };
}

describe("millrace CLI", () => {
  test("version, help and unknown commands", async () => {
    expect((await cli(["version"])).out).toMatch(/^millrace \d+\.\d+\.\d+ \(commit \S+, bun \d/);
    expect((await cli([])).code).toBe(64);
    expect((await cli(["frobnicate"])).err).toContain('unknown command "frobnicate"');
    const help = await cli(["dlq", "--help"]);
    expect(help.code).toBe(0);
    expect(help.out).toContain("millrace dlq redrive <queue>");
  });

  test("help that was asked for goes to stdout with exit 0; help after a mistake to stderr with 64", async () => {
    for (const argv of [["--help"], ["-h"], ["help"]]) {
      const result = await cli(argv);
      expect(result).toMatchObject({ code: 0, err: "" });
      expect(result.out).toContain("usage: millrace <command>");
    }
    for (const argv of [
      ["serve", "--help"],
      ["help", "serve"],
      ["topics", "-h"],
      ["check-config", "--help"],
    ]) {
      const result = await cli(argv);
      expect(result).toMatchObject({ code: 0, err: "" });
      expect(result.out).toContain(`millrace ${argv.find((a) => !a.startsWith("-") && a !== "help")} `);
    }
    const bare = await cli([]);
    expect(bare).toMatchObject({ code: 64, out: "" });
    expect(bare.err).toContain("usage: millrace <command>");
    expect((await cli(["help", "frobnicate"])).code).toBe(64);
    const misuse = await cli(["queues", "show"]);
    expect(misuse).toMatchObject({ code: 64, out: "" });
    expect(misuse.err).toContain("missing queue name");
  });

  test("a broker answering 503 exits 69 too, so scripts can retry", async () => {
    const draining = Bun.serve({
      hostname: "127.0.0.1",
      port: 0,
      fetch: () => Response.json({ error: { code: "draining", message: "shutting down" } }, { status: 503 }),
    });
    try {
      const result = await cli(["queues", "list", "--url", `http://127.0.0.1:${draining.port}`]);
      expect(result.code).toBe(69);
      expect(result.err).toContain("answered 503: shutting down");
    } finally {
      await draining.stop(true);
    }
  });

  test("check-config exits 78 with one line per bad variable; config redacts secrets", async () => {
    const bad = await cli(["check-config"], { MILLRACE_LISTEN: "nowhere", MILLRACE_LOG_LEVEL: "chatty" });
    expect(bad.code).toBe(78);
    expect(bad.err.split("\n").filter((line) => line.startsWith("config error: "))).toHaveLength(2);
    expect((await cli(["check-config"])).code).toBe(0);
    const shown = await cli(["config"], { MILLRACE_DATABASE_URL: "postgres://user:hunter2@db/millrace" });
    expect(shown.out).toContain("MILLRACE_DATABASE_URL=(redacted)");
    expect(shown.out).not.toContain("hunter2");
  });

  test("queues list/show and dlq list/redrive/purge", async () => {
    const call = client(server.url);
    await call("PUT", "/v1/queues/cli-orders", { maxAttempts: 1 });
    await call("POST", "/v1/queues/cli-orders/messages", { messages: [{ body: 1 }, { body: 2 }] });
    const leased = (await call("POST", "/v1/queues/cli-orders/receive", { max: 2 })).body.messages;
    await call("POST", "/v1/queues/cli-orders/nack", { receipts: leased.map((m: { receipt: string }) => m.receipt) });

    const list = await cli(["queues", "list"]);
    expect(list.code).toBe(0);
    expect(list.out).toMatch(/cli-orders\t0\t0\t0\t2\t/);
    expect(JSON.parse((await cli(["queues", "show", "cli-orders"])).out).stats.dead).toBe(2);

    const dead = JSON.parse((await cli(["dlq", "list", "cli-orders", "--limit", "1"])).out);
    expect(dead.messages).toHaveLength(1);
    expect(dead.nextCursor).toBeString();
    expect((await cli(["dlq", "redrive", "cli-orders", "--ids", dead.messages[0].id])).out).toBe(
      "redrove 1 message(s)",
    );
    expect((await cli(["dlq", "purge", "cli-orders"])).code).toBe(64);
    expect((await cli(["dlq", "purge", "cli-orders", "--yes"])).out).toBe("purged 1 dead letter(s)");
    expect((await cli(["dlq", "redrive", "cli-orders"])).code).toBe(64);
  });

  test("an unreachable broker gets an error that says what to check", async () => {
    const result = await cli(["queues", "list", "--url", "http://127.0.0.1:1"]);
    expect(result.code).toBe(69);
    expect(result.err).toContain("cannot reach the broker at http://127.0.0.1:1");
    const missing = await cli(["queues", "show", "no-such-queue"]);
    expect(missing.code).toBe(1);
    expect(missing.err).toContain("404");
  });
});
