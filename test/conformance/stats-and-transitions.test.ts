import { afterAll, beforeAll, expect, test } from "bun:test";
import type { Store } from "../../src/storage/store.ts";
import { message, openTestStore, uniqueName } from "../helpers/test-store.ts";

// What the metrics refresher needs from every driver: all queues' stats in one call, and
// counts of the transitions the broker cannot see (lease expiry, dead-lettering).

let store: Store;
let cleanup: () => Promise<void>;
const T0 = 1_700_000_000_000;

beforeAll(async () => ({ store, cleanup } = await openTestStore()));
afterAll(async () => cleanup());

test("statsAll reports every queue, empty ones included, matching stats()", async () => {
  const busy = uniqueName("stats");
  const empty = uniqueName("stats");
  await store.queues.put(busy, {}, T0);
  await store.queues.put(empty, {}, T0);
  await store.messages.publish(
    busy,
    [message(1, { availableAt: T0 }), message(2, { availableAt: T0 }), message(3, { availableAt: T0 + 60_000 })],
    T0,
  );
  await store.messages.lease(busy, 1, 30_000, T0);
  const all = await store.queues.statsAll(T0 + 2000);
  const byName = new Map(all.map((row) => [row.queue, row.stats]));
  expect(byName.get(busy)).toEqual(await store.queues.stats(busy, T0 + 2000));
  expect(byName.get(busy)).toMatchObject({ ready: 1, delayed: 1, leased: 1, dead: 0, oldestReadyAgeSeconds: 2 });
  expect(byName.get(empty)).toEqual({ ready: 0, delayed: 0, leased: 0, dead: 0, grouped: 0, oldestReadyAgeSeconds: 0 });
  await store.queues.delete(empty);
  expect((await store.queues.statsAll(T0)).some((row) => row.queue === empty)).toBe(false);
});

test("expired leases and dead-lettering are counted once, and taking the counts resets them", async () => {
  const q = uniqueName("transitions");
  await store.queues.put(q, { maxAttempts: 2, backoff: { jitter: "none", baseMs: 1, maxMs: 1, multiplier: 1 } }, T0);
  await store.messages.publish(q, [message("a"), message("b")], T0);
  await store.maintenance.takeTransitionCounts();
  // Attempt 1 of both: one expires, one is nacked.
  const first = await store.messages.lease(q, 2, 1000, T0);
  await store.messages.nack(q, [{ receipt: first[1]!.receipt, delayMs: 0, error: "boom" }], T0);
  expect(await store.maintenance.releaseExpiredLeases(T0 + 5000, 100)).toBe(1);
  // Attempt 2 of both: the last one allowed; a nack and an expiry dead-letter them.
  const second = await store.messages.lease(q, 2, 1000, T0 + 6000);
  expect(second).toHaveLength(2);
  await store.messages.nack(q, [{ receipt: second[0]!.receipt, delayMs: null, error: "again" }], T0 + 6000);
  await store.maintenance.releaseExpiredLeases(T0 + 10_000, 100);
  const counts = (await store.maintenance.takeTransitionCounts()).find((c) => c.queue === q);
  expect(counts).toEqual({ queue: q, expired: 2, deadLettered: 2 });
  expect((await store.maintenance.takeTransitionCounts()).find((c) => c.queue === q)).toBeUndefined();
});
