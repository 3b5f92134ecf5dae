import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Store } from "../../src/storage/store.ts";
import { expectBrokerError, message, openTestStore, uniqueName } from "../helpers/test-store.ts";

// Driver conformance: publish, lease, ack, nack, extend, fencing, expiry, priority, delay, dedup.
// Time is passed explicitly, so expiry is tested by moving `now`, never by sleeping.

let store: Store;
let cleanup: () => Promise<void>;
const T0 = 1_700_000_000_000;
const noJitter = { backoff: { jitter: "none" as const, baseMs: 1000, maxMs: 60000, multiplier: 2 } };

beforeAll(async () => ({ store, cleanup } = await openTestStore()));
afterAll(async () => cleanup());

async function newQueue(settings: Parameters<Store["queues"]["put"]>[1] = noJitter): Promise<string> {
  const name = uniqueName();
  await store.queues.put(name, settings, T0);
  return name;
}

describe("publish and lease", () => {
  test("a published message is leased once, with its body, headers and attempt count", async () => {
    const q = await newQueue();
    const [published] = await store.messages.publish(
      q,
      [message({ hello: "world" }, { headers: '{"type":"greeting"}' })],
      T0,
    );
    expect(published!.duplicate).toBe(false);
    const leased = await store.messages.lease(q, 10, 30_000, T0);
    expect(leased).toHaveLength(1);
    expect(leased[0]!.id).toBe(published!.id);
    expect(JSON.parse(leased[0]!.body)).toEqual({ hello: "world" });
    expect(leased[0]!.headers).toBe('{"type":"greeting"}');
    expect(leased[0]!.attempts).toBe(1);
    expect(leased[0]!.leaseExpiresAt).toBe(T0 + 30_000);
    expect(await store.messages.lease(q, 10, 30_000, T0)).toHaveLength(0);
  });

  test("binary bodies come back as stored", async () => {
    const q = await newQueue();
    await store.messages.publish(q, [message(null, { body: "AAEC/w==", bodyIsBinary: true })], T0);
    const [leased] = await store.messages.lease(q, 1, null, T0);
    expect(leased!.bodyIsBinary).toBe(true);
    expect(leased!.body).toBe("AAEC/w==");
  });

  test("lease respects max and hands out messages in publish order", async () => {
    const q = await newQueue();
    const published = await store.messages.publish(
      q,
      [1, 2, 3, 4, 5].map((n) => message(n)),
      T0,
    );
    const first = await store.messages.lease(q, 3, null, T0);
    expect(first.map((m) => m.id)).toEqual(published.slice(0, 3).map((p) => p.id));
    const rest = await store.messages.lease(q, 10, null, T0);
    expect(rest.map((m) => m.id)).toEqual(published.slice(3).map((p) => p.id));
  });

  test("the queue's visibility timeout applies when none is given", async () => {
    const q = await newQueue({ ...noJitter, visibilityTimeoutSeconds: 7 });
    await store.messages.publish(q, [message(1)], T0);
    const [leased] = await store.messages.lease(q, 1, null, T0);
    expect(leased!.leaseExpiresAt).toBe(T0 + 7000);
  });

  test("higher priority is leased first, then availableAt, then publish order", async () => {
    const q = await newQueue();
    const [low] = await store.messages.publish(q, [message("low", { priority: 0, availableAt: T0 - 10 })], T0);
    const [later] = await store.messages.publish(q, [message("high-late", { priority: 5, availableAt: T0 - 1 })], T0);
    const [early] = await store.messages.publish(q, [message("high-early", { priority: 5, availableAt: T0 - 5 })], T0);
    const leased = await store.messages.lease(q, 3, null, T0);
    expect(leased.map((m) => m.id)).toEqual([early!.id, later!.id, low!.id]);
  });

  test("a delayed message is invisible until its availableAt", async () => {
    const q = await newQueue();
    await store.messages.publish(q, [message("later", { availableAt: T0 + 5000 })], T0);
    expect(await store.messages.lease(q, 1, null, T0)).toHaveLength(0);
    expect((await store.queues.stats(q, T0)).delayed).toBe(1);
    expect(await store.messages.lease(q, 1, null, T0 + 5000)).toHaveLength(1);
  });

  test("unknown queues are refused with queue_not_found", async () => {
    expect(
      (await expectBrokerError(store.messages.publish("no-such-queue", [message(1)], T0), "queue_not_found")).status,
    ).toBe(404);
    expect(
      (await expectBrokerError(store.messages.lease("no-such-queue", 1, null, T0), "queue_not_found")).status,
    ).toBe(404);
  });
});

describe("ack, nack and extend", () => {
  test("ack removes the message for good", async () => {
    const q = await newQueue();
    await store.messages.publish(q, [message(1)], T0);
    const [leased] = await store.messages.lease(q, 1, 1000, T0);
    expect(await store.messages.ack(q, [leased!.receipt], T0 + 1)).toEqual(["ok"]);
    expect(await store.messages.lease(q, 1, null, T0 + 1_000_000)).toHaveLength(0);
    expect(await store.messages.get(q, leased!.id, T0)).toBeNull();
    expect(await store.messages.ack(q, [leased!.receipt], T0 + 2)).toEqual(["lease_lost"]);
  });

  test("nack with a delay makes the message available after it, keeping the error", async () => {
    const q = await newQueue();
    await store.messages.publish(q, [message(1)], T0);
    const [leased] = await store.messages.lease(q, 1, 30_000, T0);
    expect(await store.messages.nack(q, [{ receipt: leased!.receipt, delayMs: 2000, error: "boom" }], T0 + 10)).toEqual(
      ["ok"],
    );
    expect(await store.messages.lease(q, 1, null, T0 + 2009)).toHaveLength(0);
    const [again] = await store.messages.lease(q, 1, null, T0 + 2010);
    expect(again!.attempts).toBe(2);
    expect(again!.lastError).toBe("boom");
  });

  test("nack without a delay applies the queue's backoff", async () => {
    const q = await newQueue();
    await store.messages.publish(q, [message(1)], T0);
    let [leased] = await store.messages.lease(q, 1, 30_000, T0);
    await store.messages.nack(q, [{ receipt: leased!.receipt, delayMs: null, error: null }], T0);
    // attempts=1 -> baseMs (1000) with no jitter
    expect(await store.messages.lease(q, 1, null, T0 + 999)).toHaveLength(0);
    [leased] = await store.messages.lease(q, 1, 30_000, T0 + 1000);
    await store.messages.nack(q, [{ receipt: leased!.receipt, delayMs: null, error: null }], T0 + 1000);
    // attempts=2 -> 2000
    expect(await store.messages.lease(q, 1, null, T0 + 2999)).toHaveLength(0);
    expect(await store.messages.lease(q, 1, null, T0 + 3000)).toHaveLength(1);
  });

  test("extend pushes the lease expiry out", async () => {
    const q = await newQueue();
    await store.messages.publish(q, [message(1)], T0);
    const [leased] = await store.messages.lease(q, 1, 1000, T0);
    expect(await store.messages.extend(q, [{ receipt: leased!.receipt, visibilityMs: 60_000 }], T0 + 500)).toEqual([
      "ok",
    ]);
    expect(await store.messages.lease(q, 1, null, T0 + 5000)).toHaveLength(0);
    expect(await store.messages.ack(q, [leased!.receipt], T0 + 50_000)).toEqual(["ok"]);
  });

  test("results come per receipt, in order, in a mixed batch", async () => {
    const q = await newQueue();
    await store.messages.publish(q, [message(1), message(2)], T0);
    const leased = await store.messages.lease(q, 2, 1000, T0);
    const outcomes = await store.messages.ack(
      q,
      [leased[0]!.receipt, "r1.zz.1", leased[1]!.receipt, leased[0]!.receipt],
      T0,
    );
    expect(outcomes).toEqual(["ok", "invalid_receipt", "ok", "lease_lost"]);
  });
});

describe("fencing", () => {
  test("a receipt from an expired lease cannot ack, nack or extend, and changes nothing", async () => {
    const q = await newQueue();
    await store.messages.publish(q, [message("contended")], T0);
    const [first] = await store.messages.lease(q, 1, 1000, T0);
    // The lease expires; the message comes back after backoff (1000 ms) and a second consumer takes it.
    const [second] = await store.messages.lease(q, 1, 30_000, T0 + 2000);
    expect(second!.id).toBe(first!.id);
    expect(second!.receipt).not.toBe(first!.receipt);
    expect(second!.attempts).toBe(2);

    expect(await store.messages.ack(q, [first!.receipt], T0 + 2001)).toEqual(["lease_lost"]);
    expect(await store.messages.nack(q, [{ receipt: first!.receipt, delayMs: 0, error: "x" }], T0 + 2001)).toEqual([
      "lease_lost",
    ]);
    expect(await store.messages.extend(q, [{ receipt: first!.receipt, visibilityMs: 99_000 }], T0 + 2001)).toEqual([
      "lease_lost",
    ]);

    const record = await store.messages.get(q, first!.id, T0 + 2002);
    expect(record!.state).toBe("leased");
    expect(record!.leaseExpiresAt).toBe(T0 + 2000 + 30_000);
    expect(await store.messages.ack(q, [second!.receipt], T0 + 2003)).toEqual(["ok"]);
  });

  test("an expired lease cannot be acked even before anyone else leases the message", async () => {
    const q = await newQueue();
    await store.messages.publish(q, [message(1)], T0);
    const [leased] = await store.messages.lease(q, 1, 1000, T0);
    expect(await store.messages.ack(q, [leased!.receipt], T0 + 1000)).toEqual(["lease_lost"]);
  });

  test("a receipt is bound to its queue", async () => {
    const a = await newQueue();
    const b = await newQueue();
    await store.messages.publish(a, [message(1)], T0);
    const [leased] = await store.messages.lease(a, 1, 1000, T0);
    expect(await store.messages.ack(b, [leased!.receipt], T0)).toEqual(["lease_lost"]);
    expect(await store.messages.ack(a, [leased!.receipt], T0)).toEqual(["ok"]);
  });
});

describe("expiry and dead letters", () => {
  test("an expired lease makes the message available again after backoff", async () => {
    const q = await newQueue();
    await store.messages.publish(q, [message(1)], T0);
    await store.messages.lease(q, 1, 1000, T0);
    // Released at T0+1000 with backoff 1000 -> available at T0+2000.
    expect(await store.messages.lease(q, 1, null, T0 + 1500)).toHaveLength(0);
    const [again] = await store.messages.lease(q, 1, null, T0 + 2000);
    expect(again!.lastError).toContain("lease expired");
  });

  test("the maintenance sweep releases expired leases of every queue", async () => {
    const q = await newQueue();
    await store.messages.publish(q, [message(1)], T0);
    await store.messages.lease(q, 1, 1000, T0);
    expect(await store.maintenance.releaseExpiredLeases(T0 + 1000, 100)).toBeGreaterThanOrEqual(1);
    const stats = await store.queues.stats(q, T0 + 1000);
    expect(stats.leased).toBe(0);
    expect(stats.delayed).toBe(1);
  });

  test("after maxAttempts failures the message is dead, with its last error, never dropped", async () => {
    const q = await newQueue({ ...noJitter, maxAttempts: 2 });
    await store.messages.publish(q, [message("poison")], T0);
    let [leased] = await store.messages.lease(q, 1, 1000, T0);
    await store.messages.nack(q, [{ receipt: leased!.receipt, delayMs: 0, error: "first" }], T0);
    [leased] = await store.messages.lease(q, 1, 1000, T0);
    expect(leased!.attempts).toBe(2);
    await store.messages.nack(q, [{ receipt: leased!.receipt, delayMs: 0, error: "second" }], T0 + 1);
    expect(await store.messages.lease(q, 1, null, T0 + 1_000_000)).toHaveLength(0);
    const record = await store.messages.get(q, leased!.id, T0 + 2);
    expect(record!.state).toBe("dead");
    expect(record!.lastError).toBe("second");
    expect(record!.attempts).toBe(2);
    expect((await store.queues.stats(q, T0 + 2)).dead).toBe(1);
  });

  test("a lease that expires on the last attempt dead-letters the message", async () => {
    const q = await newQueue({ ...noJitter, maxAttempts: 1 });
    await store.messages.publish(q, [message(1)], T0);
    const [leased] = await store.messages.lease(q, 1, 1000, T0);
    await store.maintenance.releaseExpiredLeases(T0 + 1000, 100);
    const record = await store.messages.get(q, leased!.id, T0 + 1000);
    expect(record!.state).toBe("dead");
    expect(record!.lastError).toContain("lease expired");
  });

  test("dead letters page by cursor, redrive with attempts reset, and purge", async () => {
    const q = await newQueue({ ...noJitter, maxAttempts: 1 });
    const published = await store.messages.publish(
      q,
      [1, 2, 3, 4, 5].map((n) => message(n)),
      T0,
    );
    const leased = await store.messages.lease(q, 5, 1000, T0);
    await store.messages.nack(
      q,
      leased.map((m) => ({ receipt: m.receipt, delayMs: 0, error: "bad" })),
      T0,
    );

    const page1 = await store.deadLetters.list(q, null, 2, T0);
    expect(page1.messages.map((m) => m.id)).toEqual(published.slice(0, 2).map((p) => p.id));
    const page2 = await store.deadLetters.list(q, page1.nextCursor, 2, T0);
    expect(page2.messages.map((m) => m.id)).toEqual(published.slice(2, 4).map((p) => p.id));
    const page3 = await store.deadLetters.list(q, page2.nextCursor, 2, T0);
    expect(page3.messages.map((m) => m.id)).toEqual([published[4]!.id]);
    expect(page3.nextCursor).toBeNull();

    expect(await store.deadLetters.redrive(q, [published[0]!.id, "not-an-id"], T0 + 10)).toBe(1);
    const [revived] = await store.messages.lease(q, 5, 1000, T0 + 10);
    expect(revived!.id).toBe(published[0]!.id);
    expect(revived!.attempts).toBe(1);

    expect(await store.deadLetters.redrive(q, "all", T0 + 20)).toBe(4);
    expect((await store.queues.stats(q, T0 + 20)).dead).toBe(0);
    const more = await store.messages.lease(q, 5, 1000, T0 + 20);
    await store.messages.nack(
      q,
      more.map((m) => ({ receipt: m.receipt, delayMs: 0, error: "bad" })),
      T0 + 20,
    );
    expect(await store.deadLetters.purge(q)).toBe(4);
    expect((await store.queues.stats(q, T0 + 20)).dead).toBe(0);
  });

  test("dead letters are removed by id: only dead ones, only of that queue", async () => {
    const q = await newQueue({ ...noJitter, maxAttempts: 1 });
    const other = await newQueue({ ...noJitter, maxAttempts: 1 });
    const [a, b, live] = await store.messages.publish(q, [message("a"), message("b"), message("live")], T0);
    const leased = await store.messages.lease(q, 2, 1000, T0);
    await store.messages.nack(
      q,
      leased.map((m) => ({ receipt: m.receipt, delayMs: 0, error: "bad" })),
      T0,
    );
    expect((await store.queues.stats(q, T0)).dead).toBe(2);
    // Another queue's name, a live message and an unknown id remove nothing.
    expect(await store.deadLetters.remove(other, [a!.id])).toBe(0);
    expect(await store.deadLetters.remove(q, [live!.id, "not-an-id"])).toBe(0);
    expect(await store.deadLetters.remove(q, [a!.id])).toBe(1);
    const left = await store.deadLetters.list(q, null, 10, T0);
    expect(left.messages.map((m) => m.id)).toEqual([b!.id]);
    expect((await store.queues.stats(q, T0)).ready).toBe(1);
    await expectBrokerError(store.deadLetters.remove("no-such-queue", [b!.id]), "queue_not_found");
  });

  test("retention deletes dead letters older than the queue's retentionSeconds", async () => {
    const q = await newQueue({ ...noJitter, maxAttempts: 1, retentionSeconds: 60 });
    await store.messages.publish(q, [message(1)], T0);
    const [leased] = await store.messages.lease(q, 1, 1000, T0);
    await store.messages.nack(q, [{ receipt: leased!.receipt, delayMs: 0, error: "bad" }], T0);
    await store.maintenance.deleteExpiredDeadLetters(T0 + 59_999, 1000);
    expect((await store.queues.stats(q, T0)).dead).toBe(1);
    await store.maintenance.deleteExpiredDeadLetters(T0 + 60_000, 1000);
    expect((await store.queues.stats(q, T0)).dead).toBe(0);
  });
});

describe("deduplication", () => {
  test("a second publish with the same dedupId within the window returns the first id", async () => {
    const q = await newQueue({ ...noJitter, dedupWindowSeconds: 60 });
    const [first] = await store.messages.publish(q, [message("a", { dedupId: "order-1" })], T0);
    const [second] = await store.messages.publish(q, [message("b", { dedupId: "order-1" })], T0 + 59_999);
    expect(second).toEqual({ id: first!.id, duplicate: true });
    expect(await store.messages.lease(q, 10, null, T0 + 59_999)).toHaveLength(1);
  });

  test("duplicates inside one batch collapse to the first", async () => {
    const q = await newQueue();
    const results = await store.messages.publish(q, [message(1, { dedupId: "k" }), message(2, { dedupId: "k" })], T0);
    expect(results[1]).toEqual({ id: results[0]!.id, duplicate: true });
  });

  test("after the window the same dedupId creates a new message", async () => {
    const q = await newQueue({ ...noJitter, dedupWindowSeconds: 60 });
    const [first] = await store.messages.publish(q, [message("a", { dedupId: "order-1" })], T0);
    const [later] = await store.messages.publish(q, [message("b", { dedupId: "order-1" })], T0 + 60_000);
    expect(later!.duplicate).toBe(false);
    expect(later!.id).not.toBe(first!.id);
    expect(await store.maintenance.deleteExpiredDedupKeys(T0 + 200_000, 1000)).toBeGreaterThanOrEqual(1);
  });

  test("dedup survives the ack of the original", async () => {
    const q = await newQueue();
    const [first] = await store.messages.publish(q, [message("a", { dedupId: "x" })], T0);
    const [leased] = await store.messages.lease(q, 1, 1000, T0);
    await store.messages.ack(q, [leased!.receipt], T0);
    const [again] = await store.messages.publish(q, [message("a", { dedupId: "x" })], T0 + 1);
    expect(again).toEqual({ id: first!.id, duplicate: true });
  });
});

describe("capacity", () => {
  test("a queue that becomes bounded counts the messages it already holds", async () => {
    const q = await newQueue();
    await store.messages.publish(q, [message(1), message(2)], T0);
    const [leased] = await store.messages.lease(q, 1, 1000, T0);
    await store.queues.put(q, { maxMessages: 3 }, T0);
    expect(
      (await expectBrokerError(store.messages.publish(q, [message(3), message(4)], T0), "queue_full")).status,
    ).toBe(429);
    await store.messages.publish(q, [message(3)], T0);
    await store.messages.ack(q, [leased!.receipt], T0);
    await store.queues.put(q, { maxMessages: 0 }, T0);
    await store.messages.publish(q, [message(4), message(5), message(6)], T0);
    await store.queues.put(q, { maxMessages: 6 }, T0);
    expect(
      (await expectBrokerError(store.messages.publish(q, [message(7), message(8)], T0), "queue_full")).status,
    ).toBe(429);
    await store.messages.publish(q, [message(7)], T0);
  });

  test("a batch that would exceed maxMessages is refused whole with queue_full", async () => {
    const q = await newQueue({ ...noJitter, maxMessages: 3 });
    await store.messages.publish(q, [message(1), message(2)], T0);
    expect(
      (await expectBrokerError(store.messages.publish(q, [message(3), message(4)], T0), "queue_full")).status,
    ).toBe(429);
    expect((await store.queues.stats(q, T0)).ready).toBe(2);
    await store.messages.publish(q, [message(3)], T0);
    const leased = await store.messages.lease(q, 1, 1000, T0);
    await store.messages.ack(q, [leased[0]!.receipt], T0);
    await store.messages.publish(q, [message(4)], T0);
    expect((await store.queues.stats(q, T0)).ready).toBe(3);
  });
});
