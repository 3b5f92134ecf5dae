import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Store } from "../../src/storage/store.ts";
import { message, openTestStore, uniqueName } from "../helpers/test-store.ts";

// Driver conformance under concurrency: the check-then-insert steps (dedup, entry into an ordering
// group, the maxMessages check) and claims, with many calls in flight at once. SQLite serialises
// them in its writer; PostgreSQL runs them as parallel transactions on its pool, so these catch races.

let store: Store;
let cleanup: () => Promise<void>;
const T0 = 1_700_000_000_000;
const CALLS = 24;

beforeAll(async () => ({ store, cleanup } = await openTestStore()));
afterAll(async () => cleanup());

async function newQueue(settings: Parameters<Store["queues"]["put"]>[1] = {}): Promise<string> {
  const name = uniqueName();
  await store.queues.put(name, { backoff: { jitter: "none" }, ...settings }, T0);
  return name;
}

function times<T>(n: number, fn: (index: number) => Promise<T>): Promise<T[]> {
  return Promise.all(Array.from({ length: n }, (_, index) => fn(index)));
}

describe("concurrent calls", () => {
  test("many publishes with one dedup id store one message, and every caller gets its id", async () => {
    const q = await newQueue();
    const results = (
      await times(CALLS, (n) => store.messages.publish(q, [message(n, { dedupId: "once" })], T0))
    ).flat();
    expect(results.filter((result) => !result.duplicate)).toHaveLength(1);
    expect(new Set(results.map((result) => result.id)).size).toBe(1);
    expect((await store.queues.stats(q, T0)).ready).toBe(1);
  });

  test("many consumers on one ordering group get one message of it in flight at a time", async () => {
    const q = await newQueue();
    await times(CALLS, (n) => store.messages.publish(q, [message(n, { groupId: "g" })], T0));
    const leased = (await times(CALLS, () => store.messages.lease(q, 5, 10_000, T0))).flat();
    expect(leased).toHaveLength(1);
    const stats = await store.queues.stats(q, T0);
    expect(stats.leased).toBe(1);
    expect(stats.grouped).toBe(CALLS - 1);
    // Acks and receives racing: still never two of the group in flight.
    let inFlight = leased;
    let handled = 0;
    while (inFlight.length > 0) {
      expect(inFlight).toHaveLength(1);
      handled += 1;
      const [, ...more] = await Promise.all([
        store.messages.ack(q, [inFlight[0]!.receipt], T0),
        ...Array.from({ length: 4 }, () => store.messages.lease(q, 5, 10_000, T0)),
      ]);
      inFlight = more.flat();
      if (inFlight.length === 0) inFlight = await store.messages.lease(q, 5, 10_000, T0);
    }
    expect(handled).toBe(CALLS);
  });

  test("many publishers at maxMessages fill the queue exactly, the rest get queue_full", async () => {
    const q = await newQueue({ maxMessages: 10 });
    const outcomes = await times(CALLS, (n) =>
      store.messages.publish(q, [message(n)], T0).then(
        () => "ok",
        (error: { code?: string }) => error.code ?? "unknown",
      ),
    );
    expect(outcomes.filter((outcome) => outcome === "ok")).toHaveLength(10);
    expect(outcomes.filter((outcome) => outcome === "queue_full")).toHaveLength(CALLS - 10);
    expect((await store.queues.stats(q, T0)).ready).toBe(10);
  });

  test("many consumers on one queue never get the same message twice", async () => {
    const q = await newQueue();
    await store.messages.publish(
      q,
      Array.from({ length: 100 }, (_, n) => message(n)),
      T0,
    );
    const leased = (await times(CALLS, () => store.messages.lease(q, 7, 10_000, T0))).flat();
    const ids = leased.map((m) => m.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.length).toBe(Math.min(100, CALLS * 7));
  });

  test("publishes in flight together to several queues each get their own outcome", async () => {
    const open = await newQueue();
    const other = await newQueue();
    const full = await newQueue({ maxMessages: 1 });
    await store.messages.publish(full, [message("fills it")], T0);
    const outcomes = await Promise.all(
      [open, "no-such-queue", other, full, open].map((q, n) =>
        store.messages.publish(q, [message(n), message(`${n}b`)], T0).then(
          (results) => results.length,
          (error: { code?: string }) => error.code ?? "unknown",
        ),
      ),
    );
    expect(outcomes).toEqual([2, "queue_not_found", 2, "queue_full", 2]);
    expect((await store.queues.stats(open, T0)).ready).toBe(4);
    expect((await store.queues.stats(other, T0)).ready).toBe(2);
    expect((await store.queues.stats(full, T0)).ready).toBe(1);
  });
});
