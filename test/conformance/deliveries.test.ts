import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { QueueSettingsPatch } from "../../src/domain/queue-settings.ts";
import type { AttemptRecord, Store } from "../../src/storage/store.ts";
import { openTestDatabase, type TestDatabase } from "../helpers/concurrency.ts";
import { expectBrokerError, message, uniqueName } from "../helpers/test-store.ts";

// The DeliveryStore contract: the endpoint row every delivery claim locks (fleet-wide
// maxConcurrency, the maxPerSecond token bucket, the circuit, a 410 disable), and the attempt
// history. Time is passed explicitly; nothing sleeps.

let db: TestDatabase;
let store: Store;
const T0 = 1_700_000_000_000;
const POLICY = { failureThreshold: 3, cooldownMs: 10_000 };
const OWNER = "worker-a";

beforeAll(async () => {
  db = await openTestDatabase();
  store = db.store;
});
afterAll(async () => db.cleanup());

async function deliveryQueue(delivery: Partial<{ maxConcurrency: number; maxPerSecond: number }> = {}) {
  const name = uniqueName("wh");
  const patch: QueueSettingsPatch = {
    delivery: { url: "http://127.0.0.1:9/hook", secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", ...delivery },
  };
  await store.queues.put(name, patch, T0);
  return name;
}

async function publish(queue: string, count: number, overrides: Parameters<typeof message>[1] = {}) {
  return store.messages.publish(
    queue,
    Array.from({ length: count }, (_, i) => message({ i }, overrides)),
    T0,
  );
}

function attempt(queue: string, messageId: string, n: number, outcome = "retry"): AttemptRecord {
  return {
    queue,
    messageId,
    attempt: n,
    at: T0 + n,
    outcome,
    status: 500,
    durationMs: 12,
    error: "the endpoint answered 500",
    responseExcerpt: "oops",
  };
}

describe("claims", () => {
  test("never lease more than maxConcurrency at once; a settled lease frees its slot", async () => {
    const q = await deliveryQueue({ maxConcurrency: 3 });
    await publish(q, 10);
    const first = await store.deliveries.claim(q, 10, 30_000, OWNER, T0);
    expect(first.messages).toHaveLength(3);
    expect(first.blocked).toBe("max_concurrency");
    const none = await store.deliveries.claim(q, 10, 30_000, OWNER, T0 + 1);
    expect(none.messages).toHaveLength(0);
    expect(none.blocked).toBe("max_concurrency");
    expect(await store.messages.ack(q, [first.messages[0]!.receipt], T0 + 2)).toEqual(["ok"]);
    const next = await store.deliveries.claim(q, 10, 30_000, OWNER, T0 + 3);
    expect(next.messages).toHaveLength(1);
  });

  test("an expired lease no longer counts against maxConcurrency", async () => {
    const q = await deliveryQueue({ maxConcurrency: 2 });
    await publish(q, 4);
    expect((await store.deliveries.claim(q, 5, 1000, OWNER, T0)).messages).toHaveLength(2);
    expect((await store.deliveries.claim(q, 5, 1000, OWNER, T0 + 999)).messages).toHaveLength(0);
    expect((await store.deliveries.claim(q, 5, 1000, OWNER, T0 + 1000)).messages).toHaveLength(2);
  });

  test("maxPerSecond: the bucket holds a tenth of a second's tokens and refills on the store clock", async () => {
    const q = await deliveryQueue({ maxConcurrency: 100, maxPerSecond: 20 });
    await publish(q, 50);
    // Burst: ceil(20 / 10) = 2.
    const first = await store.deliveries.claim(q, 50, 30_000, OWNER, T0);
    expect(first.messages).toHaveLength(2);
    expect(first.blocked).toBe("max_per_second");
    const empty = await store.deliveries.claim(q, 50, 30_000, OWNER, T0);
    expect(empty.messages).toHaveLength(0);
    expect(empty.retryAt).toBe(T0 + 50);
    // 50 ms at 20/s is one token.
    expect((await store.deliveries.claim(q, 50, 30_000, OWNER, T0 + 50)).messages).toHaveLength(1);
    // A long pause refills only up to the burst.
    expect((await store.deliveries.claim(q, 50, 30_000, OWNER, T0 + 60_000)).messages).toHaveLength(2);
  });

  test("a disabled endpoint claims nothing until enabled", async () => {
    const q = await deliveryQueue();
    await publish(q, 1);
    await store.deliveries.disable(q, "the endpoint answered 410 Gone", T0);
    const blocked = await store.deliveries.claim(q, 5, 30_000, OWNER, T0 + 1);
    expect(blocked).toMatchObject({ messages: [], blocked: "disabled" });
    expect(await store.deliveries.endpoint(q)).toMatchObject({
      disabledAt: T0,
      disabledReason: "the endpoint answered 410 Gone",
    });
    expect(await store.deliveries.enable(q, T0 + 2)).toBe(true);
    expect(await store.deliveries.enable(q, T0 + 3)).toBe(false);
    expect((await store.deliveries.claim(q, 5, 30_000, OWNER, T0 + 4)).messages).toHaveLength(1);
  });

  test("throws queue_not_found for a queue that does not exist", async () => {
    await expectBrokerError(store.deliveries.claim(uniqueName("missing"), 1, 1000, OWNER, T0), "queue_not_found");
  });

  test("ordering groups: one message of a group at a time, in order, through delivery claims", async () => {
    const q = await deliveryQueue({ maxConcurrency: 10 });
    await publish(q, 3, { groupId: "g" });
    const first = await store.deliveries.claim(q, 10, 30_000, OWNER, T0);
    expect(first.messages.map((m) => JSON.parse(m.body))).toEqual([{ i: 0 }]);
    expect((await store.deliveries.claim(q, 10, 30_000, OWNER, T0 + 1)).messages).toHaveLength(0);
    await store.messages.ack(q, [first.messages[0]!.receipt], T0 + 2);
    const second = await store.deliveries.claim(q, 10, 30_000, OWNER, T0 + 3);
    expect(second.messages.map((m) => JSON.parse(m.body))).toEqual([{ i: 1 }]);
  });
});

describe("circuit breaker", () => {
  test("opens after the threshold, holds for the cool-down, lets one probe through, and closes on success", async () => {
    const q = await deliveryQueue({ maxConcurrency: 10 });
    const [m] = await publish(q, 5);
    const changes = [];
    for (let i = 1; i <= 3; i++)
      changes.push(await store.deliveries.record(attempt(q, m!.id, i), true, POLICY, T0 + i));
    expect(changes).toEqual([null, null, "opened"]);
    const open = await store.deliveries.claim(q, 5, 30_000, OWNER, T0 + 4);
    expect(open).toMatchObject({ messages: [], blocked: "circuit_open", retryAt: T0 + 3 + 10_000 });

    const halfOpen = T0 + 3 + 10_000;
    const probe = await store.deliveries.claim(q, 5, 30_000, OWNER, halfOpen);
    expect(probe.messages).toHaveLength(1);
    expect(probe.probe).toBe(true);
    // Only one probe in the fleet at a time.
    const other = await store.deliveries.claim(q, 5, 30_000, "worker-b", halfOpen + 1);
    expect(other).toMatchObject({ messages: [], blocked: "probe_in_flight" });

    expect(await store.deliveries.record(attempt(q, m!.id, 4, "ack"), false, POLICY, halfOpen + 2)).toBe("closed");
    expect(await store.deliveries.endpoint(q)).toMatchObject({ consecutiveFailures: 0, circuitOpenUntil: null });
    expect((await store.deliveries.claim(q, 5, 30_000, OWNER, halfOpen + 3)).messages.length).toBeGreaterThan(1);
  });

  test("a failed probe opens the circuit again for another cool-down", async () => {
    const q = await deliveryQueue();
    const [m] = await publish(q, 2);
    for (let i = 1; i <= 3; i++) await store.deliveries.record(attempt(q, m!.id, i), true, POLICY, T0);
    const halfOpen = T0 + 10_000;
    expect((await store.deliveries.claim(q, 5, 30_000, OWNER, halfOpen)).probe).toBe(true);
    expect(await store.deliveries.record(attempt(q, m!.id, 4), true, POLICY, halfOpen + 5)).toBe("opened");
    expect(await store.deliveries.claim(q, 5, 30_000, OWNER, halfOpen + 6)).toMatchObject({
      blocked: "circuit_open",
      retryAt: halfOpen + 5 + 10_000,
    });
  });

  test("a success before the threshold resets the count", async () => {
    const q = await deliveryQueue();
    const [m] = await publish(q, 1);
    await store.deliveries.record(attempt(q, m!.id, 1), true, POLICY, T0);
    await store.deliveries.record(attempt(q, m!.id, 2), true, POLICY, T0);
    await store.deliveries.record(attempt(q, m!.id, 3, "ack"), false, POLICY, T0);
    expect(await store.deliveries.record(attempt(q, m!.id, 4), true, POLICY, T0)).toBeNull();
    expect((await store.deliveries.endpoint(q))?.consecutiveFailures).toBe(1);
  });
});

describe("attempt history", () => {
  test("is read back oldest first, and deleted once its message is gone", async () => {
    const q = await deliveryQueue();
    const [kept, acked] = await publish(q, 2);
    for (let i = 1; i <= 2; i++) await store.deliveries.record(attempt(q, kept!.id, i), false, POLICY, T0);
    await store.deliveries.record(attempt(q, acked!.id, 1), false, POLICY, T0);
    const history = await store.deliveries.attempts(q, kept!.id, 100);
    expect(history.map((a) => a.attempt)).toEqual([1, 2]);
    expect(history[0]).toEqual(attempt(q, kept!.id, 1));

    const claimed = await store.deliveries.claim(q, 2, 30_000, OWNER, T0);
    await store.messages.ack(
      q,
      claimed.messages.filter((m) => m.id === acked!.id).map((m) => m.receipt),
      T0 + 1,
    );
    let deleted = 0;
    for (
      let n = await store.deliveries.deleteOrphanAttempts(1);
      n > 0;
      n = await store.deliveries.deleteOrphanAttempts(1)
    ) {
      deleted += n;
    }
    expect(deleted).toBeGreaterThanOrEqual(1);
    expect(await store.deliveries.attempts(q, acked!.id, 100)).toEqual([]);
    expect(await store.deliveries.attempts(q, kept!.id, 100)).toHaveLength(2);
  });
});

describe("rotation and lag", () => {
  test("the previous secret is kept with its expiry", async () => {
    const q = await deliveryQueue();
    await store.deliveries.keepPreviousSecret(q, "whsec_old", T0 + 86_400_000, T0);
    expect(await store.deliveries.endpoint(q)).toMatchObject({
      previousSecret: "whsec_old",
      previousSecretExpiresAt: T0 + 86_400_000,
    });
  });

  test("oldestUndelivered names the enqueue time of the oldest live message, null when none", async () => {
    const q = await deliveryQueue();
    const empty = await deliveryQueue();
    await store.messages.publish(q, [message(1)], T0 + 5);
    await store.messages.publish(q, [message(2)], T0 + 9);
    expect(await store.deliveries.oldestUndelivered([q, empty])).toEqual([
      { queue: q, enqueuedAt: T0 + 5 },
      { queue: empty, enqueuedAt: null },
    ]);
  });

  test("deleting the queue forgets its endpoint state", async () => {
    const q = await deliveryQueue();
    await store.deliveries.disable(q, "gone", T0);
    await store.queues.delete(q);
    expect(await store.deliveries.endpoint(q)).toBeNull();
  });
});

describe("concurrent claims", () => {
  test("claims racing on every handle never exceed maxConcurrency together", async () => {
    const q = await deliveryQueue({ maxConcurrency: 4 });
    await publish(q, 40);
    const second = db.openSecondHandle ? await db.openSecondHandle() : store;
    const handles = [store, second];
    const claims = await Promise.all(
      Array.from({ length: 12 }, (_, i) => handles[i % 2]!.deliveries.claim(q, 3, 30_000, `w${i}`, T0)),
    );
    expect(claims.reduce((sum, claim) => sum + claim.messages.length, 0)).toBe(4);
  });

  test("claims racing on every handle take no more tokens than the bucket holds", async () => {
    const q = await deliveryQueue({ maxConcurrency: 100, maxPerSecond: 50 });
    await publish(q, 40);
    const second = db.openSecondHandle ? await db.openSecondHandle() : store;
    const handles = [store, second];
    const claims = await Promise.all(
      Array.from({ length: 12 }, (_, i) => handles[i % 2]!.deliveries.claim(q, 3, 30_000, `w${i}`, T0)),
    );
    // Burst of 50/s: ceil(50 / 10) = 5.
    expect(claims.reduce((sum, claim) => sum + claim.messages.length, 0)).toBe(5);
  });
});
