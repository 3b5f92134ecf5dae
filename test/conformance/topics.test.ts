import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Store } from "../../src/storage/store.ts";
import { expectBrokerError, message, openTestStore, uniqueName } from "../helpers/test-store.ts";

// Driver conformance: queues CRUD, topics, subscriptions, filtered and atomic fan-out.

let store: Store;
let cleanup: () => Promise<void>;
const T0 = 1_700_000_000_000;

beforeAll(async () => ({ store, cleanup } = await openTestStore()));
afterAll(async () => cleanup());

describe("queues", () => {
  test("put creates with defaults, then patches only what is given", async () => {
    const q = uniqueName();
    const created = await store.queues.put(q, { maxAttempts: 3 }, T0);
    expect(created.created).toBe(true);
    expect(created.queue.settings.maxAttempts).toBe(3);
    expect(created.queue.settings.visibilityTimeoutSeconds).toBe(30);
    const updated = await store.queues.put(q, { backoff: { baseMs: 50 } }, T0 + 1);
    expect(updated.created).toBe(false);
    expect(updated.queue.settings.maxAttempts).toBe(3);
    expect(updated.queue.settings.backoff).toEqual({ baseMs: 50, maxMs: 60000, multiplier: 2, jitter: "full" });
    expect((await store.queues.list()).map((r) => r.name)).toContain(q);
  });

  test("purge drops live messages; delete removes the queue and its messages", async () => {
    const q = uniqueName();
    await store.queues.put(q, {}, T0);
    await store.messages.publish(q, [message(1), message(2)], T0);
    expect(await store.queues.purge(q)).toBe(2);
    expect((await store.queues.stats(q, T0)).ready).toBe(0);
    await store.messages.publish(q, [message(3)], T0);
    expect(await store.queues.delete(q)).toBe(true);
    expect(await store.queues.get(q)).toBeNull();
    expect(await store.queues.delete(q)).toBe(false);
    await expectBrokerError(store.queues.stats(q, T0), "queue_not_found");
  });
});

describe("topics", () => {
  async function setUp(): Promise<{ topic: string; all: string; orders: string }> {
    const topic = uniqueName("t");
    const all = uniqueName();
    const orders = uniqueName();
    await store.queues.put(all, {}, T0);
    await store.queues.put(orders, {}, T0);
    expect((await store.topics.put(topic, T0)).created).toBe(true);
    expect((await store.topics.put(topic, T0)).created).toBe(false);
    await store.topics.putSubscription(topic, "everything", { queue: all, filter: null }, T0);
    await store.topics.putSubscription(
      topic,
      "orders",
      { queue: orders, filter: { type: ["order.created", "order.paid"] } },
      T0,
    );
    return { topic, all, orders };
  }

  test("fan-out writes one message into each matching queue", async () => {
    const { topic, all, orders } = await setUp();
    const results = await store.topics.publish(topic, message("o", { headers: '{"type":"order.paid"}' }), T0);
    expect(results.map((r) => r.queue).sort()).toEqual([all, orders].sort());
    const other = await store.topics.publish(topic, message("u", { headers: '{"type":"user.created"}' }), T0);
    expect(other.map((r) => r.queue)).toEqual([all]);
    expect((await store.queues.stats(all, T0)).ready).toBe(2);
    expect((await store.queues.stats(orders, T0)).ready).toBe(1);
    expect((await store.topics.listSubscriptions(topic)).map((s) => s.name)).toEqual(["everything", "orders"]);
  });

  test("fan-out is all or none: one full queue refuses the whole event", async () => {
    const { topic, all, orders } = await setUp();
    await store.queues.put(orders, { maxMessages: 1 }, T0);
    await store.topics.publish(topic, message(1, { headers: '{"type":"order.paid"}' }), T0);
    await expectBrokerError(
      store.topics.publish(topic, message(2, { headers: '{"type":"order.paid"}' }), T0),
      "queue_full",
    );
    expect((await store.queues.stats(all, T0)).ready).toBe(1);
    expect((await store.queues.stats(orders, T0)).ready).toBe(1);
  });

  test("subscriptions need an existing topic and queue", async () => {
    const topic = uniqueName("t");
    await expectBrokerError(
      store.topics.putSubscription(topic, "s", { queue: "x", filter: null }, T0),
      "topic_not_found",
    );
    await store.topics.put(topic, T0);
    await expectBrokerError(
      store.topics.putSubscription(topic, "s", { queue: uniqueName(), filter: null }, T0),
      "queue_not_found",
    );
    await expectBrokerError(store.topics.publish(uniqueName("t"), message(1), T0), "topic_not_found");
  });

  test("deleting a queue removes the subscriptions into it", async () => {
    const { topic, orders } = await setUp();
    await store.queues.delete(orders);
    expect((await store.topics.listSubscriptions(topic)).map((s) => s.name)).toEqual(["everything"]);
  });
});
