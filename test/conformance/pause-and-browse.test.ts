import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { BrowsePosition, BrowseState } from "../../src/domain/browse.ts";
import type { Store } from "../../src/storage/store.ts";
import { expectBrokerError, message, openTestStore, uniqueName } from "../helpers/test-store.ts";

// Driver conformance: pausing a queue (persisted, stops leases and delivery claims, publishes go
// on) and browsing messages by state without leasing them, page by page in claim order.

let store: Store;
let cleanup: () => Promise<void>;
const T0 = 1_700_000_000_000;

beforeAll(async () => ({ store, cleanup } = await openTestStore()));
afterAll(async () => cleanup());

async function newQueue(settings: Parameters<Store["queues"]["put"]>[1] = {}): Promise<string> {
  const name = uniqueName();
  await store.queues.put(name, settings, T0);
  return name;
}

/** Every page of a state, following the cursor; the pages' ids in order. */
async function browseAll(q: string, state: BrowseState, limit: number, now = T0): Promise<string[][]> {
  const pages: string[][] = [];
  let after: BrowsePosition | null = null;
  for (;;) {
    const page = await store.messages.browse(q, state, after, limit, now);
    pages.push(page.messages.map((m) => m.id));
    if (page.next === null) return pages;
    after = page.next;
  }
}

describe("pause and resume", () => {
  test("a paused queue leases nothing but accepts publishes; resuming hands them out", async () => {
    const q = await newQueue();
    const paused = await store.queues.setPaused(q, true, T0 + 5);
    expect(paused.pausedAt).toBe(T0 + 5);
    const [published] = await store.messages.publish(q, [message("while paused")], T0 + 6);
    expect(await store.messages.lease(q, 10, 30_000, T0 + 7)).toHaveLength(0);
    // Pausing again keeps the first pause time.
    expect((await store.queues.setPaused(q, true, T0 + 8)).pausedAt).toBe(T0 + 5);
    expect((await store.queues.get(q))!.pausedAt).toBe(T0 + 5);
    expect((await store.queues.stats(q, T0 + 8)).ready).toBe(1);
    const resumed = await store.queues.setPaused(q, false, T0 + 9);
    expect(resumed.pausedAt).toBeNull();
    const leased = await store.messages.lease(q, 10, 30_000, T0 + 10);
    expect(leased.map((m) => m.id)).toEqual([published!.id]);
  });

  test("a paused queue's webhook delivery claims nothing", async () => {
    const q = await newQueue({ delivery: { url: "https://example.com/hook", secret: "s".repeat(32) } });
    await store.messages.publish(q, [message(1)], T0);
    await store.queues.setPaused(q, true, T0);
    const claim = await store.deliveries.claim(q, 10, 30_000, "worker-a", T0 + 1);
    expect(claim.messages).toHaveLength(0);
    await store.queues.setPaused(q, false, T0 + 2);
    expect((await store.deliveries.claim(q, 10, 30_000, "worker-a", T0 + 3)).messages).toHaveLength(1);
  });

  test("pausing a queue that does not exist is queue_not_found", async () => {
    await expectBrokerError(store.queues.setPaused(uniqueName(), true, T0), "queue_not_found");
  });
});

describe("browse", () => {
  test("pages through every state in claim order without leasing anything", async () => {
    const q = await newQueue({ maxAttempts: 1 });
    const published = await store.messages.publish(
      q,
      [
        message("low-1", { priority: 0 }),
        message("high-1", { priority: 5 }),
        message("low-2", { priority: 0 }),
        message("high-2", { priority: 5 }),
        message("mid", { priority: 2 }),
        message("later", { availableAt: T0 + 60_000 }),
      ],
      T0,
    );
    const id = (i: number) => published[i]!.id;
    const claimOrder = [id(1), id(3), id(4), id(0), id(2)];
    // Pages of 2 split the priority-5 run, then cross from one priority to the next.
    expect(await browseAll(q, "ready", 2)).toEqual([claimOrder.slice(0, 2), claimOrder.slice(2, 4), [claimOrder[4]!]]);
    expect((await browseAll(q, "ready", 1)).flat()).toEqual(claimOrder);
    expect(await browseAll(q, "delayed", 10)).toEqual([[id(5)]]);
    // Nothing was leased by browsing.
    expect((await store.queues.stats(q, T0)).ready).toBe(5);

    const leased = await store.messages.lease(q, 2, 30_000, T0);
    expect(leased.map((m) => m.id)).toEqual(claimOrder.slice(0, 2));
    const leasedPage = await store.messages.browse(q, "leased", null, 10, T0);
    expect(leasedPage.messages.map((m) => [m.id, m.state, m.leaseExpiresAt])).toEqual([
      [id(1), "leased", T0 + 30_000],
      [id(3), "leased", T0 + 30_000],
    ]);
    // With one attempt allowed, a failed one dead-letters.
    await store.messages.nack(q, [{ receipt: leased[0]!.receipt, delayMs: 0, error: "boom" }], T0 + 1);
    const dead = await store.messages.browse(q, "dead", null, 10, T0 + 1);
    expect(dead.messages.map((m) => [m.id, m.state, m.lastError])).toEqual([[id(1), "dead", "boom"]]);
    expect(dead.next).toBeNull();
    // A lease that ran out is not listed as leased.
    expect((await store.messages.browse(q, "leased", null, 10, T0 + 31_000)).messages).toHaveLength(0);
  });

  test("grouped messages wait behind their group's head", async () => {
    const q = await newQueue();
    const published = await store.messages.publish(
      q,
      ["a", "b", "c"].map((body) => message(body, { groupId: "g" })),
      T0,
    );
    expect((await browseAll(q, "grouped", 1)).flat()).toEqual([published[1]!.id, published[2]!.id]);
    expect((await browseAll(q, "ready", 10)).flat()).toEqual([published[0]!.id]);
  });

  test("an empty state is one empty page; an unknown queue is queue_not_found", async () => {
    const q = await newQueue();
    expect(await store.messages.browse(q, "dead", null, 10, T0)).toEqual({ messages: [], next: null });
    await expectBrokerError(store.messages.browse(uniqueName(), "ready", null, 10, T0), "queue_not_found");
  });
});
