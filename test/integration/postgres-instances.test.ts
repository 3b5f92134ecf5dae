import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCli, startServer, until, type ServerProcess } from "../helpers/spawn-serve.ts";
import { POSTGRES_MIGRATION_JOURNAL_TAGS } from "../../src/storage/postgres/migrations/index.ts";
import { createTestDatabase } from "../helpers/test-store.ts";

// Two real servers on one PostgreSQL database stand for two VMs of a fleet: what one accepts, the
// other serves. (The fleet test behind nginx with kills and restarts is test/e2e's job.)

const JSON_HEADERS = { "content-type": "application/json" };
let database: { url: string; drop: () => Promise<void> };
let dir: string;
const servers: ServerProcess[] = [];

beforeAll(async () => {
  database = await createTestDatabase();
  dir = mkdtempSync(join(tmpdir(), "millrace-pg-instances-"));
  for (const name of ["a", "b"]) {
    servers.push(
      await startServer({
        MILLRACE_DATABASE_URL: database.url,
        MILLRACE_DATA_DIR: join(dir, name),
        MILLRACE_DATABASE_POOL_SIZE: "4",
        MILLRACE_STATS_INTERVAL_SECONDS: "1",
      }),
    );
  }
});

afterAll(async () => {
  for (const server of servers.splice(0)) await server.stop();
  await database.drop();
  rmSync(dir, { recursive: true, force: true });
});

async function call(server: ServerProcess, method: string, path: string, body?: unknown) {
  const response = await fetch(`${server.url}${path}`, {
    method,
    headers: JSON_HEADERS,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

test("both instances report PostgreSQL and are ready", async () => {
  for (const server of servers) {
    const ready = await call(server, "GET", "/health/ready");
    expect(ready.status).toBe(200);
    // The start line names the store it opened.
    expect(server.lines.some((line) => line.includes('"storage":"postgres"'))).toBe(true);
  }
});

test("a message published to one instance is received from a long-poll on the other, and acked there", async () => {
  const [a, b] = servers as [ServerProcess, ServerProcess];
  expect((await call(a, "PUT", "/v1/queues/orders", {})).status).toBeLessThan(300);
  const waiting = call(b, "POST", "/v1/queues/orders/receive", { waitSeconds: 20 });
  const published = await call(a, "POST", "/v1/queues/orders/messages", { body: { order: 1 } });
  expect(published.status).toBe(201);
  const received = await waiting;
  const [message] = received.body.messages as Array<{ id: string; receipt: string }>;
  expect(message?.id).toBe(published.body.id as string);
  const acked = await call(b, "POST", "/v1/queues/orders/ack", { receipts: [message!.receipt] });
  expect((acked.body.results as Array<{ result: string }>)[0]!.result).toBe("ok");
  // Acked on b, gone for a too.
  expect((await call(a, "GET", `/v1/queues/orders/messages/${message!.id}`)).status).toBe(404);
});

/** The queue's backlog gauge as this instance exports it, or null when it exports none. */
async function backlogGauge(server: ServerProcess, queue: string): Promise<number | null> {
  const text = await fetch(`${server.url}/metrics`).then((response) => response.text());
  const line = text.split("\n").find((l) => l.startsWith(`millrace_queue_messages{queue="${queue}",state="ready"}`));
  return line === undefined ? null : Number(line.split(" ").at(-1));
}

test("only the leader exports the per-queue gauges, so a sum over the fleet counts a backlog once", async () => {
  const [a, b] = servers as [ServerProcess, ServerProcess];
  await call(a, "PUT", "/v1/queues/gauged", {});
  await call(a, "POST", "/v1/queues/gauged/messages", { messages: [{ body: 1 }, { body: 2 }] });
  const leads = async (server: ServerProcess) => (await call(server, "GET", "/health")).body.leader === true;
  expect(await until(async () => (await leads(a)) !== (await leads(b)))).toBe(true);
  const [leader, follower] = (await leads(a)) ? [a, b] : [b, a];
  expect(await until(async () => (await backlogGauge(leader, "gauged")) === 2)).toBe(true);
  expect(await backlogGauge(follower, "gauged")).toBeNull();

  // The leader goes away: the other takes the lead, and the gauges with it.
  expect(await leader.stop()).toBe(0);
  servers.splice(servers.indexOf(leader), 1);
  expect(await until(async () => (await backlogGauge(follower, "gauged")) === 2)).toBe(true);
}, 60_000);

test("the remaining instances drain and exit 0 on SIGTERM", async () => {
  for (const server of servers.splice(0)) expect(await server.stop()).toBe(0);
});

test("millrace migrate applies the PostgreSQL migrations once, then finds the schema up to date", async () => {
  const fresh = await createTestDatabase();
  try {
    const env = { MILLRACE_DATABASE_URL: fresh.url, MILLRACE_DATA_DIR: join(dir, "migrate-unused") };
    const first = await runCli(["migrate"], env);
    expect(first.code).toBe(0);
    // Every migration drizzle's journal lists, in order (its own test checks they are all embedded).
    const tags = POSTGRES_MIGRATION_JOURNAL_TAGS;
    expect(tags[0]).toBe("0000_init");
    expect(first.stdout).toContain(`applied ${tags.length} migration(s): ${tags.join(", ")}`);
    const second = await runCli(["migrate"], env);
    expect([second.code, second.stdout.trim()]).toEqual([0, "database schema is up to date"]);
  } finally {
    await fresh.drop();
  }
});
