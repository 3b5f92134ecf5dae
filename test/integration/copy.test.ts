import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { SQL } from "bun";
import { Database } from "bun:sqlite";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort, runCli, startServer, type ServerProcess } from "../helpers/spawn-serve.ts";
import { createTestDatabase } from "../helpers/test-store.ts";

// `millrace copy` end to end: a SQLite broker populated through its real HTTP API and stopped, the
// real CLI as a child process, then a real server on the PostgreSQL target checked over HTTP.

type Json = Record<string, unknown>;
type TestDatabase = { url: string; drop: () => Promise<void> };

async function call(server: ServerProcess, method: string, path: string, body?: unknown, headers: Json = {}) {
  const response = await fetch(`${server.url}${path}`, {
    method,
    headers: { "content-type": "application/json", ...(headers as Record<string, string>) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: (text === "" ? {} : JSON.parse(text)) as Json };
}

/** The queue list without the one figure that moves with the clock. */
async function queueList(server: ServerProcess): Promise<unknown> {
  const { queues } = (await ok(server, "GET", "/v1/queues")) as { queues: Array<{ stats: Json }> };
  return queues.map((queue) => ({ ...queue, stats: { ...queue.stats, oldestReadyAgeSeconds: 0 } }));
}

async function ok(server: ServerProcess, method: string, path: string, body?: unknown, headers: Json = {}) {
  const response = await call(server, method, path, body, headers);
  if (response.status >= 300) throw new Error(`${method} ${path}: ${response.status} ${JSON.stringify(response.body)}`);
  return response.body;
}

let dir: string;
let vmDir: string;
const databases: TestDatabase[] = [];

async function freshDatabase(): Promise<TestDatabase> {
  const database = await createTestDatabase();
  databases.push(database);
  return database;
}

/** What the VM held before the copy, as read through its own API. */
const before: { messages: Map<string, Json>; queues: Map<string, Json>; leasedReceipt: string; groupFirst: string } = {
  messages: new Map(),
  queues: new Map(),
  leasedReceipt: "",
  groupFirst: "",
};
let refusedWhileServed: { code: number; stdout: string; stderr: string };
let targetAfterRefusal: string;

/** The tables a PostgreSQL database has: none until migrations have run on it. */
async function tablesOf(url: string): Promise<string> {
  const sql = new SQL({ url, max: 1 });
  try {
    const rows = (await sql`
      SELECT relname FROM pg_stat_user_tables ORDER BY relname`) as Array<{ relname: string }>;
    return JSON.stringify(rows.map((row) => row.relname));
  } finally {
    await sql.close();
  }
}

const QUEUES = ["orders", "bounded", "grouped", "fragile", "audit"];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "millrace-copy-"));
  vmDir = join(dir, "vm");
  const vm = await startServer({ MILLRACE_DATA_DIR: vmDir });
  try {
    await ok(vm, "PUT", "/v1/queues/orders", { dedupWindowSeconds: 3600, maxAttempts: 7 });
    await ok(vm, "PUT", "/v1/queues/bounded", { maxMessages: 50 });
    await ok(vm, "PUT", "/v1/queues/grouped", {});
    await ok(vm, "PUT", "/v1/queues/fragile", { maxAttempts: 1 });
    await ok(vm, "PUT", "/v1/queues/audit", {});
    await ok(vm, "PUT", "/v1/topics/events", {});
    await ok(vm, "PUT", "/v1/topics/events/subscriptions/paid", { queue: "orders", filter: { type: ["order.paid"] } });
    await ok(vm, "PUT", "/v1/topics/events/subscriptions/all", { queue: "audit" });

    const ids: string[] = [];
    const publish = async (queue: string, message: Json, headers: Json = {}) => {
      const { id } = (await ok(vm, "POST", `/v1/queues/${queue}/messages`, message, headers)) as { id: string };
      ids.push(id);
      return id;
    };
    await publish("orders", { body: { order: 1 }, headers: { type: "order.paid" }, priority: 5 });
    await publish("orders", { body: { order: 2 }, delaySeconds: 3600 });
    await publish("orders", { bodyBase64: Buffer.from([0, 1, 2, 254, 255]).toString("base64") });
    await publish("orders", { body: "kept" }, { "idempotency-key": "order-3" });
    await publish("bounded", { body: [1, 2, 3] });
    await publish("bounded", { body: null });
    // The group: the first is leased on the VM, the second waits behind it.
    before.groupFirst = await publish("grouped", { body: "first", groupId: "customer-7" });
    await publish("grouped", { body: "second", groupId: "customer-7" });
    const leased = (await ok(vm, "POST", "/v1/queues/grouped/receive", { visibilityTimeoutSeconds: 3600 })) as {
      messages: Array<{ id: string; receipt: string }>;
    };
    expect(leased.messages[0]!.id).toBe(before.groupFirst);
    before.leasedReceipt = leased.messages[0]!.receipt;
    // A dead letter, with its error.
    await publish("fragile", { body: { fails: true } });
    const doomed = (await ok(vm, "POST", "/v1/queues/fragile/receive", {})) as { messages: Array<{ receipt: string }> };
    await ok(vm, "POST", "/v1/queues/fragile/nack", { receipts: [doomed.messages[0]!.receipt], error: "boom" });
    // Fanned out by the topic: to orders (filter matches) and audit.
    await ok(vm, "POST", "/v1/topics/events/events", { body: { event: 1 }, headers: { type: "order.paid" } });

    for (const queue of QUEUES) before.queues.set(queue, await ok(vm, "GET", `/v1/queues/${queue}`));
    // Topic deliveries get ids the VM minted; pick them up from each queue's listing via stats + get.
    for (const id of ids) {
      const found = await call(vm, "GET", `/v1/queues/${queueOf(id, ids)}/messages/${id}`);
      expect(found.status).toBe(200);
      before.messages.set(id, found.body);
    }
    // While the VM serves, copy refuses with 75 and touches nothing.
    const target = await freshDatabase();
    refusedWhileServed = await runCli(["copy", "--from", join(vmDir, "millrace.db"), "--to", target.url]);
    targetAfterRefusal = await tablesOf(target.url);
  } finally {
    // Killed, not stopped: a clean stop gives this instance's leases back, and a VM that died
    // (the case that leaves leases in the file) is the one to prove them copied.
    vm.proc.kill("SIGKILL");
    await vm.proc.exited;
  }
}, 60_000);

// Which queue each published id went to, in publish order above.
function queueOf(id: string, ids: string[]): string {
  const index = ids.indexOf(id);
  return ["orders", "orders", "orders", "orders", "bounded", "bounded", "grouped", "grouped", "fragile"][index]!;
}

afterAll(async () => {
  for (const database of databases) await database.drop().catch(() => undefined);
  rmSync(dir, { recursive: true, force: true });
});

test("while a server holds the source's data directory, copy exits 75 and does not touch the target", () => {
  expect(refusedWhileServed.code).toBe(75);
  expect(refusedWhileServed.stderr).toContain("in use by another Millrace process");
  // Refused before it even connected: not even the migrations were applied.
  expect(targetAfterRefusal).toBe("[]");
});

describe("millrace copy", () => {
  let target: TestDatabase;
  let fleet: ServerProcess;

  beforeAll(async () => {
    target = await freshDatabase();
    const copied = await runCli(["copy", "--from", join(vmDir, "millrace.db"), "--to", target.url]);
    expect(copied.stderr).toContain("copied 11/11 messages (100%)");
    expect(copied.code).toBe(0);
    expect(copied.stdout).toContain("copied 5 queues, 1 topics, 2 subscriptions, 1 dedup keys and 11 messages");
    expect(copied.stdout).toContain("(7 ready, 1 delayed, 1 leased, 1 grouped, 1 dead)");
    fleet = await startServer({ MILLRACE_DATABASE_URL: target.url, MILLRACE_DATA_DIR: join(dir, "fleet") });
  }, 60_000);

  afterAll(async () => {
    await fleet?.stop();
  });

  test("every message is there with the same id, state, attempts, body, headers, times and error", async () => {
    for (const [id, was] of before.messages) {
      const now = await call(fleet, "GET", `/v1/queues/${was.queue as string}/messages/${id}`);
      expect(now.status).toBe(200);
      expect(now.body).toEqual(was);
    }
    const binary = [...before.messages.values()].find((m) => m.bodyBase64 !== undefined)!;
    expect(Buffer.from(binary.bodyBase64 as string, "base64")).toEqual(Buffer.from([0, 1, 2, 254, 255]));
    const dead = [...before.messages.values()].find((m) => m.state === "dead")!;
    expect(dead.lastError).toBe("boom");
  });

  test("queues keep their settings and stats; the topic its subscriptions and filters", async () => {
    for (const [name, was] of before.queues) {
      const now = await ok(fleet, "GET", `/v1/queues/${name}`);
      expect(now.settings).toEqual(was.settings);
      expect(now.stats).toEqual({ ...(was.stats as Json), oldestReadyAgeSeconds: expect.any(Number) });
    }
    const paid = await ok(fleet, "GET", "/v1/topics/events/subscriptions/paid");
    expect(paid).toMatchObject({ queue: "orders", filter: { type: ["order.paid"] } });
    const all = await ok(fleet, "GET", "/v1/topics/events/subscriptions/all");
    expect(all).toMatchObject({ queue: "audit", filter: null });
  });

  test("a copied dedup id still suppresses a re-publish", async () => {
    const again = await call(
      fleet,
      "POST",
      "/v1/queues/orders/messages",
      { body: "again" },
      { "idempotency-key": "order-3" },
    );
    expect(again.status).toBe(200);
    expect(again.body.duplicate).toBe(true);
    const original = [...before.messages.entries()].find(([, m]) => m.dedupId === "order-3")![0];
    expect(again.body.id).toBe(original);
  });

  test("the grouped message still waits behind its group; the VM's receipt acks on the fleet, then it comes", async () => {
    const nothing = (await ok(fleet, "POST", "/v1/queues/grouped/receive", {})) as { messages: unknown[] };
    expect(nothing.messages).toEqual([]);
    const acked = (await ok(fleet, "POST", "/v1/queues/grouped/ack", { receipts: [before.leasedReceipt] })) as {
      results: Array<{ result: string }>;
    };
    expect(acked.results[0]!.result).toBe("ok");
    const next = (await ok(fleet, "POST", "/v1/queues/grouped/receive", {})) as { messages: Array<Json> };
    expect(next.messages[0]).toMatchObject({ body: "second", groupId: "customer-7" });
  });

  test("new messages get sequence numbers past the copied ones, and the bounded queue counts the copied", async () => {
    const fresh = (await ok(fleet, "POST", "/v1/queues/audit/messages", { body: "new" })) as { id: string };
    expect(before.messages.has(fresh.id)).toBe(false);
    const vmDb = new Database(join(vmDir, "millrace.db"), { readonly: true });
    const { seq: vmHighest } = vmDb
      .query<{ seq: number }, []>("SELECT seq FROM sqlite_sequence WHERE name = 'messages'")
      .get()!;
    vmDb.close();
    const sql = new SQL({ url: target.url, max: 1 });
    const [row] = (await sql`SELECT seq FROM messages WHERE id = ${fresh.id}`) as Array<{ seq: string }>;
    await sql.close();
    expect(Number(row!.seq)).toBeGreaterThan(vmHighest);
    // live_count was recounted: 48 more fit into maxMessages 50, the 49th does not.
    const fill = Array.from({ length: 48 }, (_, i) => ({ body: i }));
    expect((await call(fleet, "POST", "/v1/queues/bounded/messages", { messages: fill })).status).toBe(201);
    expect((await call(fleet, "POST", "/v1/queues/bounded/messages", { body: "over" })).status).toBe(429);
  });

  test("a non-empty target is refused and left untouched", async () => {
    const stats = await queueList(fleet);
    const refused = await runCli(["copy", "--from", join(vmDir, "millrace.db"), "--to", target.url]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("is not empty");
    expect(refused.stderr).toContain("--into-non-empty");
    expect(await queueList(fleet)).toEqual(stats);
  });

  test("--into-non-empty never duplicates an id: it fails naming them, before writing anything", async () => {
    const stats = await queueList(fleet);
    const refused = await runCli([
      "copy",
      "--from",
      join(vmDir, "millrace.db"),
      "--to",
      target.url,
      "--into-non-empty",
    ]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("already holds message id(s)");
    expect(await queueList(fleet)).toEqual(stats);
  });
});

test("--into-non-empty merges: the target's queues are kept, copied messages move past its sequence numbers", async () => {
  const sourceDir = join(dir, "merge-source");
  const vm = await startServer({ MILLRACE_DATA_DIR: sourceDir });
  const copiedIds: string[] = [];
  try {
    await ok(vm, "PUT", "/v1/queues/shared", { maxAttempts: 3 });
    await ok(vm, "PUT", "/v1/queues/only-on-vm", {});
    for (const queue of ["shared", "only-on-vm"]) {
      copiedIds.push(((await ok(vm, "POST", `/v1/queues/${queue}/messages`, { body: queue })) as { id: string }).id);
    }
  } finally {
    await vm.stop();
  }
  const target = await freshDatabase();
  const fleetDir = join(dir, "merge-fleet");
  let fleet = await startServer({ MILLRACE_DATABASE_URL: target.url, MILLRACE_DATA_DIR: fleetDir });
  const ownIds: string[] = [];
  try {
    await ok(fleet, "PUT", "/v1/queues/shared", { maxAttempts: 9 });
    for (let i = 0; i < 2; i++) {
      ownIds.push(((await ok(fleet, "POST", "/v1/queues/shared/messages", { body: i })) as { id: string }).id);
    }
  } finally {
    await fleet.stop();
  }
  const merged = await runCli([
    "copy",
    "--from",
    join(sourceDir, "millrace.db"),
    "--to",
    target.url,
    "--into-non-empty",
  ]);
  expect(merged.code).toBe(0);
  expect(merged.stdout).toContain("copied 1 queues (1 already there, kept)");
  expect(merged.stdout).toContain("sequence numbers were moved up by 2");
  fleet = await startServer({ MILLRACE_DATABASE_URL: target.url, MILLRACE_DATA_DIR: fleetDir });
  try {
    expect(((await ok(fleet, "GET", "/v1/queues/shared")).settings as Json).maxAttempts).toBe(9);
    expect((await ok(fleet, "GET", "/v1/queues/shared")).stats).toMatchObject({ ready: 3 });
    for (const id of [...ownIds, copiedIds[0]!])
      expect((await call(fleet, "GET", `/v1/queues/shared/messages/${id}`)).status).toBe(200);
    expect((await call(fleet, "GET", `/v1/queues/only-on-vm/messages/${copiedIds[1]!}`)).status).toBe(200);
    // Claim order is by availableAt before seq, and availableAt is kept: the VM's older message comes first.
    const received = (await ok(fleet, "POST", "/v1/queues/shared/receive", { max: 3 })) as {
      messages: Array<{ id: string }>;
    };
    expect(received.messages.map((m) => m.id)).toEqual([copiedIds[0]!, ...ownIds]);
  } finally {
    await fleet.stop();
  }
}, 60_000);

test("U+0000 in group ids, dedup ids and errors (SQLite keeps it, PostgreSQL cannot) is copied as U+FFFD, consistently", async () => {
  const sourceDir = join(dir, "nul-source");
  const vm = await startServer({ MILLRACE_DATA_DIR: sourceDir });
  let grouped = "";
  let deduped = "";
  try {
    // Today's API refuses U+0000 in these fields (400); databases written before that hold it.
    // Publish stand-ins, then put the character in place in the file, as an older version would have.
    await ok(vm, "PUT", "/v1/queues/odd", { dedupWindowSeconds: 3600 });
    grouped = ((await ok(vm, "POST", "/v1/queues/odd/messages", { body: 1, groupId: "g-NUL" })) as { id: string }).id;
    await ok(vm, "POST", "/v1/queues/odd/messages", { body: 2, groupId: "g-NUL" });
    deduped = ((await ok(vm, "POST", "/v1/queues/odd/messages", { body: 3, dedupId: "d-NUL" })) as { id: string }).id;
    const leased = (await ok(vm, "POST", "/v1/queues/odd/receive", {})) as { messages: Array<{ receipt: string }> };
    await ok(vm, "POST", "/v1/queues/odd/nack", { receipts: [leased.messages[0]!.receipt], error: "bad-NUL-byte" });
  } finally {
    await vm.stop();
  }
  const file = new Database(join(sourceDir, "millrace.db"));
  file.run("UPDATE messages SET group_id = ? WHERE group_id = ?", ["g\u0000", "g-NUL"]);
  file.run("UPDATE messages SET dedup_id = ? WHERE dedup_id = ?", ["d\u0000", "d-NUL"]);
  file.run("UPDATE dedup_keys SET dedup_id = ? WHERE dedup_id = ?", ["d\u0000", "d-NUL"]);
  file.run("UPDATE messages SET last_error = ? WHERE last_error = ?", ["bad\u0000byte", "bad-NUL-byte"]);
  file.close();
  const target = await freshDatabase();
  const copied = await runCli(["copy", "--from", join(sourceDir, "millrace.db"), "--to", target.url]);
  expect(copied.code).toBe(0);
  expect(copied.stderr).toContain("held the character U+0000");
  const fleet = await startServer({ MILLRACE_DATABASE_URL: target.url, MILLRACE_DATA_DIR: join(dir, "nul-fleet") });
  try {
    const first = await ok(fleet, "GET", `/v1/queues/odd/messages/${grouped}`);
    expect(first).toMatchObject({ groupId: "g\uFFFD", lastError: "bad\uFFFDbyte" });
    expect((await ok(fleet, "GET", `/v1/queues/odd/messages/${deduped}`)).dedupId).toBe("d\uFFFD");
    // Still one group: the second message waits behind the first.
    expect((await ok(fleet, "GET", "/v1/queues/odd")).stats).toMatchObject({ grouped: 1 });
  } finally {
    await fleet.stop();
  }
}, 60_000);

test("a source that is missing or not a Millrace database is refused with what to do", async () => {
  const missing = await runCli([
    "copy",
    "--from",
    join(dir, "nowhere", "millrace.db"),
    "--to",
    "postgres://postgres@127.0.0.1/x",
  ]);
  expect(missing.code).toBe(1);
  expect(missing.stderr).toContain("there is no database at");
  const otherDir = join(dir, "other");
  mkdirSync(otherDir);
  const other = new Database(join(otherDir, "other.db"));
  other.run("CREATE TABLE t (x)");
  other.close();
  const target = await freshDatabase();
  const refused = await runCli(["copy", "--from", join(otherDir, "other.db"), "--to", target.url]);
  expect(refused.code).toBe(1);
  expect(refused.stderr).toContain("not a Millrace database");
});

test("a copy that fails part-way says the target may hold part of it, and how to start over", async () => {
  const target = await freshDatabase();
  const migrated = await runCli(["migrate"], {
    MILLRACE_DATABASE_URL: target.url,
    MILLRACE_DATA_DIR: join(dir, "part"),
  });
  expect(migrated.code).toBe(0);
  // A role that may write everything but messages: the queues go in, the first message batch fails.
  const role = `millrace_copy_${Math.random().toString(36).slice(2, 10)}`;
  const admin = new SQL({ url: target.url, max: 1 });
  // Identifiers cannot be parameters; `role` is made here of [a-z0-9_] only.
  await admin.unsafe(`CREATE ROLE ${role} LOGIN`);
  try {
    await admin.unsafe(`GRANT CREATE, USAGE ON SCHEMA public TO ${role}`);
    await admin.unsafe(
      `GRANT SELECT, INSERT, UPDATE ON queues, topics, subscriptions, dedup_keys, millrace_migrations TO ${role}`,
    );
    await admin.unsafe(`GRANT SELECT, UPDATE ON messages, messages_seq_seq TO ${role}`);
    const asRole = new URL(target.url);
    asRole.username = role;
    const failed = await runCli(["copy", "--from", join(vmDir, "millrace.db"), "--to", asRole.toString()]);
    expect(failed.code).toBe(1);
    expect(failed.stderr).toContain("failed part-way: permission denied for table messages");
    expect(failed.stderr).toContain("drop and recreate the target database and run copy again");
  } finally {
    await admin.close();
    await target.drop();
    const cluster = new SQL({ url: target.url.replace(/\/[^/]*$/, "/postgres"), max: 1 });
    await cluster.unsafe(`DROP ROLE IF EXISTS ${role}`);
    await cluster.close();
  }
});

test("a target that does not answer is exit 69 (retry later), naming it without its password", async () => {
  const nobody = `postgres://postgres:secret@127.0.0.1:${freePort()}/millrace`;
  const refused = await runCli(["copy", "--from", join(vmDir, "millrace.db"), "--to", nobody]);
  expect(refused.code).toBe(69);
  expect(refused.stderr).toContain("cannot open the target postgres://postgres:***@127.0.0.1");
  expect(refused.stderr).not.toContain("secret");
});

test("--help goes to stdout; a missing --from is a usage error", async () => {
  const help = await runCli(["copy", "--help"]);
  expect(help.code).toBe(0);
  expect(help.stdout).toContain("--into-non-empty");
  const missing = await runCli(["copy", "--to", "postgres://x@127.0.0.1/none"]);
  expect(missing.code).toBe(64);
  expect(missing.stderr).toContain("missing --from");
});

test("50k messages copy in batches, with a progress line per 5%", async () => {
  const bigDir = join(dir, "big");
  const vm = await startServer({ MILLRACE_DATA_DIR: bigDir });
  const total = 50_000;
  try {
    await ok(vm, "PUT", "/v1/queues/bulk", {});
    const batch = Array.from({ length: 1000 }, (_, i) => ({ body: { i, pad: "x".repeat(100) } }));
    for (let sent = 0; sent < total; sent += 1000)
      await ok(vm, "POST", "/v1/queues/bulk/messages", { messages: batch });
  } finally {
    await vm.stop();
  }
  const target = await freshDatabase();
  const started = performance.now();
  const copied = await runCli([
    "copy",
    "--from",
    join(bigDir, "millrace.db"),
    "--to",
    target.url,
    "--batch-size",
    "5000",
  ]);
  const seconds = (performance.now() - started) / 1000;
  expect(copied.code).toBe(0);
  console.log(`copy of ${total} messages took ${seconds.toFixed(1)} s (${Math.round(total / seconds)} msg/s)`);
  const progress = copied.stderr.split("\n").filter((line) => line.startsWith("copied "));
  // Ten batches of 5000, each another 10%: one line per batch, never one per message.
  expect(progress).toHaveLength(10);
  expect(progress.at(-1)).toBe(`copied ${total}/${total} messages (100%)`);
  const sql = new SQL({ url: target.url, max: 1 });
  try {
    const [row] = (await sql`SELECT COUNT(*) AS n, MAX(seq) AS top FROM messages`) as Array<{ n: string; top: string }>;
    expect(Number(row!.n)).toBe(total);
    const [seq] = (await sql`SELECT last_value FROM messages_seq_seq`) as Array<{ last_value: string }>;
    expect(Number(seq!.last_value)).toBeGreaterThanOrEqual(Number(row!.top));
  } finally {
    await sql.close();
  }
}, 300_000);
