import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { SQL } from "bun";
import { BrokerError } from "../../domain/errors.ts";
import { createTestDatabase, expectBrokerError, message, uniqueName } from "../../../test/helpers/test-store.ts";
import { tcpBlackhole } from "../../../test/helpers/tcp-blackhole.ts";
import { POSTGRES_MIGRATION_JOURNAL_TAGS, POSTGRES_MIGRATIONS } from "./migrations/index.ts";
import { PostgresStore, type PostgresStoreOptions } from "./postgres-store.ts";
import { QUEUE_STATS_SQL } from "./queue-store.ts";

// What only the PostgreSQL driver has: several instances on one database (wake-ups, leadership,
// the database's clock), migrations under a lock, and failing fast when the database goes away.
// Needs the server at 127.0.0.1:5432 (scripts/ensure-postgres starts it).

const ADMIN_URL = process.env.MILLRACE_TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
let database: { url: string; drop: () => Promise<void> };
let admin: SQL;
const opened: PostgresStore[] = [];

beforeAll(async () => {
  database = await createTestDatabase();
  admin = new SQL({ url: database.url, max: 2 });
});
afterAll(async () => {
  for (const store of opened) await store.close().catch(() => undefined);
  await admin.close();
  await database.drop();
});

async function open(overrides: Partial<PostgresStoreOptions> = {}): Promise<PostgresStore> {
  const { store } = await PostgresStore.open({
    url: database.url,
    poolSize: 4,
    connectTimeoutSeconds: 2,
    statementTimeoutMs: 5000,
    ...overrides,
  });
  opened.push(store);
  return store;
}

async function until(condition: () => boolean | Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 400; i++) {
    if (await condition()) return;
    await Bun.sleep(25);
  }
  throw new Error(`timed out waiting until ${what}`);
}

test("every migration in drizzle's journal is embedded, in order", () => {
  expect(POSTGRES_MIGRATIONS.map((m) => m.tag)).toEqual([...POSTGRES_MIGRATION_JOURNAL_TAGS]);
});

test("instances starting at once on an empty database migrate it once", async () => {
  const fresh = await createTestDatabase();
  try {
    const options = { url: fresh.url, poolSize: 2, connectTimeoutSeconds: 5, statementTimeoutMs: 30_000 };
    const results = await Promise.all([1, 2, 3].map(() => PostgresStore.open(options)));
    const applied = results.map((result) => result.migrationsApplied);
    expect(applied.filter((tags) => tags.length > 0)).toEqual([[...POSTGRES_MIGRATION_JOURNAL_TAGS]]);
    for (const { store } of results) await store.close();
  } finally {
    await fresh.drop();
  }
});

describe("two instances on one database", () => {
  test("a notify on one instance reaches the other's listeners, and each hears its own once", async () => {
    const a = await open();
    const b = await open();
    const q = uniqueName();
    const heardByA: string[] = [];
    const heardByB: string[] = [];
    a.notifier.subscribe((queue) => heardByA.push(queue));
    b.notifier.subscribe((queue) => heardByB.push(queue));
    a.notifier.notify(q, 3);
    expect(heardByA).toEqual([q]);
    await until(() => heardByB.length > 0, "B hears A's notification");
    expect(heardByB).toEqual([q]);
    // A's own NOTIFY comes back to A's LISTEN too; it must not wake A's receivers a second time.
    b.notifier.notify(`${q}-b`, 1);
    await until(() => heardByA.length > 1, "A hears B's notification");
    expect(heardByA).toEqual([q, `${q}-b`]);
  });

  test("when the listening connection drops, it comes back and wake-ups flow again", async () => {
    const a = await open();
    const b = await open();
    const q = uniqueName();
    let heard = 0;
    b.notifier.subscribe((queue) => {
      if (queue === q) heard += 1;
    });
    const name = new URL(database.url).pathname.slice(1);
    const dropped = await admin`
      SELECT pg_terminate_backend(pid) FROM pg_stat_activity
       WHERE datname = ${name} AND query ILIKE 'LISTEN%' AND pid <> pg_backend_pid()`;
    expect(dropped.length).toBeGreaterThan(0);
    // Notify until B hears one: notifications sent while it reconnects are lost, by design.
    await until(() => {
      a.notifier.notify(q, 1);
      return heard > 0;
    }, "B hears A again after its LISTEN connection was cut");
  });

  test("one instance leads; when it goes away another takes the lead", async () => {
    // Stores of earlier tests may hold the lock: close them, so that one of these two must lead.
    for (const store of opened.splice(0)) await store.close().catch(() => undefined);
    const a = await open();
    const b = await open();
    await until(async () => (await a.holdsLeadership()) || (await b.holdsLeadership()), "one of the two leads");
    const [leader, follower] = (await a.holdsLeadership()) ? [a, b] : [b, a];
    expect(await leader.holdsLeadership()).toBe(true);
    expect(await follower.holdsLeadership()).toBe(false);
    await leader.close();
    await until(() => follower.holdsLeadership(), "the other one takes the lead");
  });

  test("instances whose machine clocks differ by 30 s agree on the time, so no lease is stolen or cut short", async () => {
    const a = await open();
    const skewed = await open({ localClock: () => Date.now() + 30_000 });
    expect(Math.abs(skewed.now() - a.now())).toBeLessThan(1000);
    const q = uniqueName();
    await a.queues.put(q, {}, a.now());
    await a.messages.publish(q, [message("held")], a.now());
    const [leased] = await a.messages.lease(q, 1, 10_000, a.now());
    // Judged on its own machine's clock the lease would already be 20 s past its expiry.
    expect(await skewed.messages.lease(q, 1, 10_000, skewed.now())).toEqual([]);
    expect(await a.messages.ack(q, [leased!.receipt], a.now())).toEqual(["ok"]);
  });
});

describe("when the database goes away", () => {
  test("calls fail fast with 503 database_unavailable and Retry-After, and work again once it is back", async () => {
    const scratch = await createTestDatabase();
    const { store } = await PostgresStore.open({
      url: scratch.url,
      poolSize: 2,
      connectTimeoutSeconds: 2,
      statementTimeoutMs: 5000,
    });
    const name = new URL(scratch.url).pathname.slice(1);
    const server = new SQL({ url: ADMIN_URL, max: 1 });
    try {
      await store.queues.put("q", {}, store.now());
      await server.unsafe(`ALTER DATABASE ${name} ALLOW_CONNECTIONS false`);
      await server`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = ${name}`;
      let failure: unknown = null;
      await until(async () => {
        failure = await store.queues.list().then(
          () => null,
          (error: unknown) => error,
        );
        return failure !== null;
      }, "a call fails");
      expect(failure).toBeInstanceOf(BrokerError);
      const error = failure as BrokerError;
      expect([error.status, error.code, error.retryAfterSeconds]).toEqual([503, "database_unavailable", 1]);
      await expectBrokerError(store.ping(), "database_unavailable");

      await server.unsafe(`ALTER DATABASE ${name} ALLOW_CONNECTIONS true`);
      await until(
        () =>
          store.queues.list().then(
            (queues) => queues.length === 1,
            () => false,
          ),
        "the same store works again without a restart",
      );
    } finally {
      await server.unsafe(`ALTER DATABASE ${name} ALLOW_CONNECTIONS true`).catch(() => undefined);
      await server.close();
      await store.close().catch(() => undefined);
      await scratch.drop();
    }
  });

  test("a statement stuck behind a lock ends at the statement timeout with 503, not a hang", async () => {
    const store = await open({ statementTimeoutMs: 300 });
    const q = uniqueName();
    await store.queues.put(q, { maxMessages: 5 }, store.now());
    const blocker = await admin.reserve();
    try {
      await blocker`BEGIN`;
      await blocker`SELECT 1 FROM queues WHERE name = ${q} FOR UPDATE`;
      // A bounded queue's publish locks the queue row, so this one waits on the blocker.
      const error = await expectBrokerError(
        store.messages.publish(q, [message(1)], store.now()),
        "database_unavailable",
      );
      expect(error.status).toBe(503);
    } finally {
      await blocker`ROLLBACK`;
      await blocker.release();
    }
    expect(await store.messages.publish(q, [message(2)], store.now())).toHaveLength(1);
  });

  test("a server that stops answering without closing the connection gets 503 at the deadline, not a hang", async () => {
    const target = new URL(database.url);
    const hole = tcpBlackhole(Number(target.port || 5432));
    target.host = `127.0.0.1:${hole.port}`;
    // Deadline: statement timeout + connect timeout + 1 s = 1.3 s.
    const { store } = await PostgresStore.open({
      url: target.toString(),
      poolSize: 2,
      connectTimeoutSeconds: 0.1,
      statementTimeoutMs: 200,
    });
    try {
      const q = uniqueName();
      await store.queues.put(q, {}, store.now());
      hole.silence();
      const error = await expectBrokerError(
        store.messages.publish(q, [message(1)], store.now()),
        "database_unavailable",
      );
      expect(error.status).toBe(503);
    } finally {
      hole.close();
      await store.close().catch(() => undefined);
    }
  });

  test("writable, then read_only while the server refuses writes, then writable again", async () => {
    const scratch = await createTestDatabase();
    const { store } = await PostgresStore.open({
      url: scratch.url,
      poolSize: 1,
      connectTimeoutSeconds: 2,
      statementTimeoutMs: 5000,
    });
    const name = new URL(scratch.url).pathname.slice(1);
    const server = new SQL({ url: ADMIN_URL, max: 1 });
    // New sessions of the database start read-only (as on a standby); end the current ones.
    const setReadOnly = async (on: boolean) => {
      await server.unsafe(`ALTER DATABASE ${name} SET default_transaction_read_only = ${on ? "on" : "off"}`);
      await server`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = ${name}`;
    };
    try {
      expect(await store.writeHealth()).toEqual({ writable: true });
      await setReadOnly(true);
      await until(
        () =>
          store.writeHealth().then(
            (health) => !health.writable,
            () => false,
          ),
        "the store reports read_only",
      );
      expect(await store.writeHealth()).toMatchObject({ writable: false, reason: "read_only" });
      await setReadOnly(false);
      await until(
        () =>
          store.writeHealth().then(
            (health) => health.writable,
            () => false,
          ),
        "the store reports writable again",
      );
    } finally {
      await server.unsafe(`ALTER DATABASE ${name} RESET default_transaction_read_only`).catch(() => undefined);
      await server.close();
      await store.close().catch(() => undefined);
      await scratch.drop();
    }
  });
});

test("stats read the ready/delayed split through the claim index, never a scan of messages", async () => {
  const store = await open();
  await store.queues.put("plan", {}, 0);
  const plan = ((await admin.unsafe(`EXPLAIN ${QUEUE_STATS_SQL}`, [0, "plan"])) as Array<{ "QUERY PLAN": string }>)
    .map((row) => row["QUERY PLAN"])
    .join("\n");
  // The first priority, the next lower one, the delayed range and the first available_at: every
  // read of messages goes through messages_claim (EXPLAIN does not always print the recursive step's).
  const onMessages = plan.split("\n").filter((line) => / on messages /.test(line));
  expect(onMessages.length).toBeGreaterThanOrEqual(3);
  for (const line of onMessages) expect(line).toContain("Index Only Scan using messages_claim on messages");
});

test("folding count changes, from two instances at once, leaves stats as they were", async () => {
  const first = await open();
  const second = await open();
  const q = uniqueName("fold");
  await first.queues.put(q, {}, 0);
  await first.messages.publish(q, [message(1), message(2), message(3, { availableAt: 60_000 })], 0);
  await second.messages.lease(q, 1, 30_000, 0);
  const before = await first.queues.stats(q, 1000);
  expect(before).toMatchObject({ ready: 1, delayed: 1, leased: 1 });
  await Promise.all([first.maintenance.foldQueueCounts(), second.maintenance.foldQueueCounts()]);
  const [left] = (await admin`SELECT count(*)::int AS n FROM queue_count_deltas WHERE queue = ${q}`) as Array<{
    n: number;
  }>;
  expect(left!.n).toBe(0);
  expect(await second.queues.stats(q, 1000)).toEqual(before);
  await second.messages.publish(q, [message(4)], 0);
  expect(await first.queues.stats(q, 1000)).toEqual({ ...before, ready: 2 });
});
