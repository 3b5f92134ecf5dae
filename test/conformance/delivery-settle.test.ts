import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { AttemptRecord, SettleItem, Store } from "../../src/storage/store.ts";
import { openTestDatabase, type TestDatabase } from "../helpers/concurrency.ts";
import { message, uniqueName } from "../helpers/test-store.ts";

// deliveries.settle: a finished send's attempt, its effect on the circuit and its ack or nack
// in one call; fenced like messages.ack/nack, and correct when many settles arrive together.

let db: TestDatabase;
let store: Store;
const T0 = 1_700_000_000_000;
const POLICY = { failureThreshold: 3, cooldownMs: 10_000 };

beforeAll(async () => {
  db = await openTestDatabase();
  store = db.store;
});
afterAll(async () => db.cleanup());

async function claimed(count: number) {
  const queue = uniqueName("settle");
  await store.queues.put(
    queue,
    { delivery: { url: "http://127.0.0.1:9/hook", secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw" } },
    T0,
  );
  await store.messages.publish(
    queue,
    Array.from({ length: count }, (_, i) => message({ i })),
    T0,
  );
  const claim = await store.deliveries.claim(queue, count, 30_000, "worker-a", T0);
  expect(claim.messages).toHaveLength(count);
  return { queue, messages: claim.messages };
}

function attempt(queue: string, messageId: string, outcome: string, status: number): AttemptRecord {
  return { queue, messageId, attempt: 1, at: T0, outcome, status, durationMs: 3, error: null, responseExcerpt: "ok" };
}

function ack(queue: string, m: { id: string; receipt: string }): SettleItem {
  return {
    attempt: attempt(queue, m.id, "success", 200),
    circuitFailure: false,
    receipt: m.receipt,
    settlement: { action: "ack" },
  };
}

function retry(queue: string, m: { id: string; receipt: string }, delayMs: number | null): SettleItem {
  return {
    attempt: attempt(queue, m.id, "server_error", 500),
    circuitFailure: true,
    receipt: m.receipt,
    settlement: { action: "retry", delayMs, error: "the endpoint answered 500" },
  };
}

describe("deliveries.settle", () => {
  test("acks and nacks held leases and records every attempt", async () => {
    const { queue, messages } = await claimed(2);
    const [a, b] = messages;
    const results = await store.deliveries.settle(queue, [ack(queue, a!), retry(queue, b!, 5_000)], POLICY, T0 + 1);
    expect(results).toEqual([
      { change: null, outcome: "ok" },
      { change: null, outcome: "ok" },
    ]);
    expect(await store.messages.get(queue, a!.id, T0 + 2)).toBeNull();
    const nacked = await store.messages.get(queue, b!.id, T0 + 2);
    expect(nacked).toMatchObject({ state: "delayed", attempts: 1, lastError: "the endpoint answered 500" });
    expect((await store.deliveries.attempts(queue, a!.id, 10)).map((r) => r.outcome)).toEqual(["success"]);
    expect((await store.deliveries.attempts(queue, b!.id, 10)).map((r) => r.status)).toEqual([500]);
    expect((await store.deliveries.endpoint(queue))?.consecutiveFailures).toBe(1);
  });

  test("a lease that ran out is not settled, but its attempt is still recorded", async () => {
    const { queue, messages } = await claimed(1);
    const [m] = messages;
    const [result] = await store.deliveries.settle(queue, [ack(queue, m!)], POLICY, T0 + 30_001);
    expect(result?.outcome).toBe("lease_lost");
    expect(await store.messages.get(queue, m!.id, T0 + 30_001)).not.toBeNull();
    expect(await store.deliveries.attempts(queue, m!.id, 10)).toHaveLength(1);
  });

  test("settles made together each get their own answer, and the circuit counts them in order", async () => {
    const { queue, messages } = await claimed(5);
    const results = await Promise.all(
      messages.map((m, i) =>
        store.deliveries.settle(queue, [i < 3 ? retry(queue, m, 0) : ack(queue, m)], POLICY, T0 + 1),
      ),
    );
    expect(results.map((r) => r.map((x) => x.outcome))).toEqual([["ok"], ["ok"], ["ok"], ["ok"], ["ok"]]);
    // Three failures in a row opened it; the successes after them closed it again.
    expect(results.flat().map((x) => x.change)).toEqual([null, null, "opened", "closed", null]);
    expect(await store.queues.stats(queue, T0 + 1)).toMatchObject({ ready: 3, leased: 0 });
    for (const m of messages) expect(await store.deliveries.attempts(queue, m.id, 10)).toHaveLength(1);
  });

  test("settling the same lease twice in one call settles it once", async () => {
    const { queue, messages } = await claimed(1);
    const [m] = messages;
    const results = await store.deliveries.settle(queue, [ack(queue, m!), ack(queue, m!)], POLICY, T0 + 1);
    expect(results.map((r) => r.outcome)).toEqual(["ok", "lease_lost"]);
  });
});
