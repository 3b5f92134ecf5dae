import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Store } from "../../src/storage/store.ts";
import { message, openTestStore, uniqueName } from "../helpers/test-store.ts";

// Driver conformance: ordering groups (one in flight per group, publish order, blocked while retrying).

let store: Store;
let cleanup: () => Promise<void>;
const T0 = 1_700_000_000_000;

beforeAll(async () => ({ store, cleanup } = await openTestStore()));
afterAll(async () => cleanup());

async function newQueue(maxAttempts = 10): Promise<string> {
  const name = uniqueName();
  await store.queues.put(name, { maxAttempts, backoff: { jitter: "none" } }, T0);
  return name;
}

describe("ordering groups", () => {
  test("one message per group is leased at a time, in publish order", async () => {
    const q = await newQueue();
    const published = await store.messages.publish(
      q,
      [
        message("a1", { groupId: "a" }),
        message("a2", { groupId: "a" }),
        message("b1", { groupId: "b" }),
        message("free"),
      ],
      T0,
    );
    const first = await store.messages.lease(q, 10, 1000, T0);
    expect(first.map((m) => m.body).sort()).toEqual(['"a1"', '"b1"', '"free"']);
    expect(await store.messages.lease(q, 10, 1000, T0)).toHaveLength(0);
    expect((await store.queues.stats(q, T0)).grouped).toBe(1);

    const a1 = first.find((m) => m.body === '"a1"')!;
    await store.messages.ack(q, [a1.receipt], T0);
    const [a2] = await store.messages.lease(q, 10, 1000, T0);
    expect(a2!.id).toBe(published[1]!.id);
  });

  test("when a group moves on (ack, or dead-lettering), the store wakes the queue's receivers", async () => {
    const q = await newQueue(1);
    await store.messages.publish(
      q,
      [message(1, { groupId: "g" }), message(2, { groupId: "g" }), message(3, { groupId: "g" })],
      T0,
    );
    const wakeups: number[] = [];
    const unsubscribe = store.notifier.subscribe((queue, count) => {
      if (queue === q) wakeups.push(count);
    });
    try {
      const [first] = await store.messages.lease(q, 10, 1000, T0);
      await store.messages.ack(q, [first!.receipt], T0);
      expect(wakeups).toEqual([1]);
      // maxAttempts 1: the nack dead-letters the second, and the third is let in.
      const [second] = await store.messages.lease(q, 10, 1000, T0);
      await store.messages.nack(q, [{ receipt: second!.receipt, delayMs: null, error: "no" }], T0);
      expect(wakeups).toEqual([1, 1]);
      // The last one leaves nothing behind it to let in: no wake-up.
      const [third] = await store.messages.lease(q, 10, 1000, T0);
      await store.messages.ack(q, [third!.receipt], T0);
      expect(wakeups).toEqual([1, 1]);
    } finally {
      unsubscribe();
    }
  });

  test("a message waiting to be retried blocks the rest of its group", async () => {
    const q = await newQueue();
    await store.messages.publish(q, [message(1, { groupId: "g" }), message(2, { groupId: "g" })], T0);
    const [first] = await store.messages.lease(q, 10, 1000, T0);
    await store.messages.nack(q, [{ receipt: first!.receipt, delayMs: 5000, error: "later" }], T0);
    expect(await store.messages.lease(q, 10, 1000, T0 + 100)).toHaveLength(0);
    const [retried] = await store.messages.lease(q, 10, 1000, T0 + 5000);
    expect(retried!.body).toBe("1");
    await store.messages.ack(q, [retried!.receipt], T0 + 5000);
    const [second] = await store.messages.lease(q, 10, 1000, T0 + 5000);
    expect(second!.body).toBe("2");
  });

  test("an expired lease keeps the group blocked until the retry is done", async () => {
    const q = await newQueue();
    await store.messages.publish(q, [message(1, { groupId: "g" }), message(2, { groupId: "g" })], T0);
    await store.messages.lease(q, 10, 1000, T0);
    // Expired at T0+1000, back off 1000 ms; message 2 must not overtake it.
    expect(await store.messages.lease(q, 10, 1000, T0 + 1500)).toHaveLength(0);
    const [again] = await store.messages.lease(q, 10, 1000, T0 + 2000);
    expect(again!.body).toBe("1");
  });

  test("a dead-lettered head lets the next message of its group through", async () => {
    const q = await newQueue(1);
    await store.messages.publish(q, [message(1, { groupId: "g" }), message(2, { groupId: "g" })], T0);
    const [first] = await store.messages.lease(q, 10, 1000, T0);
    await store.messages.nack(q, [{ receipt: first!.receipt, delayMs: 0, error: "poison" }], T0);
    const [next] = await store.messages.lease(q, 10, 1000, T0);
    expect(next!.body).toBe("2");
  });

  test("a message published into an idle group is ready at once", async () => {
    const q = await newQueue();
    await store.messages.publish(q, [message(1, { groupId: "g" })], T0);
    const [first] = await store.messages.lease(q, 10, 1000, T0);
    await store.messages.ack(q, [first!.receipt], T0);
    await store.messages.publish(q, [message(2, { groupId: "g" })], T0);
    expect(await store.messages.lease(q, 10, 1000, T0)).toHaveLength(1);
  });
});
