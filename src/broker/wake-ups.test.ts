import { afterAll, beforeAll, expect, test } from "bun:test";
import type { Store } from "../storage/store.ts";
import { openTestStore, uniqueName } from "../../test/helpers/test-store.ts";
import { Broker } from "./broker.ts";

// Long-polls wake through the store's notifier, not the broker's own memory: two brokers on one
// store stand for two instances on one database.

let store: Store;
let cleanup: () => Promise<void>;
beforeAll(async () => ({ store, cleanup } = await openTestStore()));
afterAll(async () => cleanup());

test("a publish through one broker wakes a receiver long-polling on another at once", async () => {
  const publisher = new Broker(store);
  const receiver = new Broker(store);
  const q = uniqueName();
  await publisher.putQueue(q, {});
  let heard = 0;
  const unsubscribe = store.notifier.subscribe((queue) => {
    if (queue === q) heard += 1;
  });
  const waiting = receiver.receive(q, { max: 1, waitSeconds: 30 });
  const [published] = await publisher.publish(q, [{ body: { n: 1 } }], null);
  // The wait is 30 s; only the notification can end it before the test's own timeout.
  const [received] = await waiting;
  expect(received?.id).toBe(published!.id);
  expect(heard).toBe(1);
  unsubscribe();
});

test("a draining broker stops listening, and its waiting receivers return empty", async () => {
  const broker = new Broker(store);
  const other = new Broker(store);
  const q = uniqueName();
  await broker.putQueue(q, {});
  const waiting = broker.receive(q, { max: 1, waitSeconds: 30 });
  broker.drain();
  expect(await waiting).toEqual([]);
  // Another instance's publish still lands; the drained one just no longer hears about it.
  await other.publish(q, [{ body: 1 }], null);
  expect(await other.receive(q, { max: 1, waitSeconds: 0 })).toHaveLength(1);
});
