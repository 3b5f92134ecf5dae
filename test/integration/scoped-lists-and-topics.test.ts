import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generateKey } from "../../src/auth/api-key-format.ts";
import { errorCode, startApp, type RunningApp } from "../helpers/start-app.ts";

// Lists show only what the credentials may use, and page by name; topic fan-out never writes
// into a queue the publisher may not use; topics and subscriptions can be listed and removed.

const dir = mkdtempSync(join(tmpdir(), "millrace-lists-"));
const operator = generateKey(["admin", "publish", "consume"], ["*"], "operator");
const billingAdmin = generateKey(["admin"], ["billing*"], "billing-admin");
const aPublisher = generateKey(["publish"], ["a*"], "a-publisher");
const aConsumer = generateKey(["consume"], ["*"], "consumer");
let running: RunningApp;

function call(method: string, path: string, key: string, body?: unknown) {
  return fetch(`${running.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

async function json<T>(response: Response, status = 200): Promise<T> {
  expect(response.status).toBe(status);
  return (await response.json()) as T;
}

beforeAll(async () => {
  const keys = join(dir, "keys");
  writeFileSync(keys, [operator, billingAdmin, aPublisher, aConsumer].map((k) => k.line).join("\n") + "\n");
  running = await startApp({ MILLRACE_AUTH: "api-key", MILLRACE_API_KEYS_FILE: keys });
  for (const queue of ["billing-a", "billing-b", "billing-c", "orders-1", "a-queue", "b-queue"]) {
    expect((await call("PUT", `/v1/queues/${queue}`, operator.key, {})).status).toBe(201);
  }
  for (const topic of ["billing-events", "orders-events", "atopic"]) {
    expect((await call("PUT", `/v1/topics/${topic}`, operator.key)).status).toBe(201);
  }
});
afterAll(async () => {
  await running.stop();
  rmSync(dir, { recursive: true, force: true });
});

type QueuePage = { queues: Array<{ name: string }>; nextCursor: string | null };

describe("lists", () => {
  test("GET /v1/queues shows a pattern-limited admin only its queues, page by page", async () => {
    const names: string[] = [];
    let after: string | null = null;
    let pages = 0;
    do {
      const query: string = after === null ? "?limit=2" : `?limit=2&after=${after}`;
      const page: QueuePage = await json(await call("GET", `/v1/queues${query}`, billingAdmin.key));
      expect(page.queues.length).toBeLessThanOrEqual(2);
      names.push(...page.queues.map((q) => q.name));
      after = page.nextCursor;
      pages += 1;
    } while (after !== null);
    expect(names).toEqual(["billing-a", "billing-b", "billing-c"]);
    expect(pages).toBe(2);
    const everything: QueuePage = await json(await call("GET", "/v1/queues", operator.key));
    expect(everything.queues.map((q) => q.name)).toEqual([
      "a-queue",
      "b-queue",
      "billing-a",
      "billing-b",
      "billing-c",
      "orders-1",
    ]);
    expect(everything.nextCursor).toBeNull();
  });

  test("a bad page size names the field", async () => {
    for (const limit of ["0", "1001", "x", "-1"]) {
      const response = await call("GET", `/v1/queues?limit=${limit}`, operator.key);
      expect(response.status).toBe(400);
      expect(((await response.json()) as { error: { message: string } }).error.message).toContain("limit");
    }
  });

  test("GET /v1/topics and a topic's subscriptions show only what the patterns allow", async () => {
    const page = await json<{ topics: Array<{ name: string }> }>(await call("GET", "/v1/topics", billingAdmin.key));
    expect(page.topics.map((t) => t.name)).toEqual(["billing-events"]);
    await json(
      await call("PUT", "/v1/topics/billing-events/subscriptions/mine", operator.key, { queue: "billing-a" }),
      201,
    );
    await json(
      await call("PUT", "/v1/topics/billing-events/subscriptions/theirs", operator.key, { queue: "orders-1" }),
      201,
    );
    const subscriptions = await json<{ subscriptions: Array<{ name: string }> }>(
      await call("GET", "/v1/topics/billing-events/subscriptions", billingAdmin.key),
    );
    expect(subscriptions.subscriptions.map((s) => s.name)).toEqual(["mine"]);
    // Nor may it read, remove or create a subscription into a queue outside its patterns.
    for (const [method, body] of [["GET"], ["DELETE"], ["PUT", { queue: "orders-1" }]] as const) {
      const response = await call(method, "/v1/topics/billing-events/subscriptions/theirs", billingAdmin.key, body);
      expect(response.status).toBe(403);
      expect(await errorCode(response)).toBe("queue_not_allowed");
    }
    const kept = await json<{ subscriptions: unknown[] }>(
      await call("GET", "/v1/topics/billing-events/subscriptions", operator.key),
    );
    expect(kept.subscriptions).toHaveLength(2);
  });
});

describe("topic fan-out and the publisher's patterns", () => {
  test("an event that would reach a queue the key may not publish to is refused whole", async () => {
    await json(await call("PUT", "/v1/topics/atopic/subscriptions/to-a", operator.key, { queue: "a-queue" }), 201);
    // Only a-queue: allowed.
    const allowed = await call("POST", "/v1/topics/atopic/events", aPublisher.key, { body: { n: 1 } });
    expect(allowed.status).toBe(201);
    await json(await call("PUT", "/v1/topics/atopic/subscriptions/to-b", operator.key, { queue: "b-queue" }), 201);
    const refused = await call("POST", "/v1/topics/atopic/events", aPublisher.key, { body: { n: 2 } });
    expect(refused.status).toBe(403);
    const error = ((await refused.json()) as { error: { code: string; message: string } }).error;
    expect(error.code).toBe("queue_not_allowed");
    expect(error.message).toContain("b-queue");
    // Nothing written anywhere: a-queue holds only the first event, b-queue none.
    const a = await json<{ stats: { ready: number } }>(await call("GET", "/v1/queues/a-queue", operator.key));
    const b = await json<{ stats: { ready: number } }>(await call("GET", "/v1/queues/b-queue", operator.key));
    expect(a.stats.ready).toBe(1);
    expect(b.stats.ready).toBe(0);
    // A filter that keeps the event away from b-queue makes it publishable again.
    await json(
      await call("PUT", "/v1/topics/atopic/subscriptions/to-b", operator.key, {
        queue: "b-queue",
        filter: { type: ["b-only"] },
      }),
    );
    const filtered = await call("POST", "/v1/topics/atopic/events", aPublisher.key, {
      body: { n: 3 },
      headers: { type: "other" },
    });
    expect(filtered.status).toBe(201);
  });
});

describe("topic and subscription verbs", () => {
  test("get, list, delete a subscription and a topic", async () => {
    await json(
      await call("PUT", "/v1/topics/orders-events/subscriptions/s1", operator.key, { queue: "orders-1" }),
      201,
    );
    const one = await json<{ name: string; queue: string }>(
      await call("GET", "/v1/topics/orders-events/subscriptions/s1", operator.key),
    );
    expect(one).toMatchObject({ name: "s1", queue: "orders-1", topic: "orders-events" });
    expect((await call("DELETE", "/v1/topics/orders-events/subscriptions/s1", operator.key)).status).toBe(204);
    const gone = await call("GET", "/v1/topics/orders-events/subscriptions/s1", operator.key);
    expect(gone.status).toBe(404);
    expect(await errorCode(gone)).toBe("subscription_not_found");
    expect((await call("DELETE", "/v1/topics/orders-events/subscriptions/s1", operator.key)).status).toBe(404);

    await json(await call("GET", "/v1/topics/orders-events", operator.key));
    expect((await call("DELETE", "/v1/topics/orders-events", operator.key)).status).toBe(204);
    const missing = await call("GET", "/v1/topics/orders-events", operator.key);
    expect(missing.status).toBe(404);
    expect(await errorCode(missing)).toBe("topic_not_found");
    expect((await call("DELETE", "/v1/topics/orders-events", operator.key)).status).toBe(404);
    // The queue the subscription led to is untouched.
    expect((await call("GET", "/v1/queues/orders-1", operator.key)).status).toBe(200);
  });
});
