import { afterAll, beforeAll, expect, test } from "bun:test";
import type { Store } from "../storage/store.ts";
import { message, openTestStore, uniqueName } from "../../test/helpers/test-store.ts";
import { Broker } from "./broker.ts";

// What Broker.receive does when its request is aborted (the HTTP client went away), over a real store.

let store: Store;
let cleanup: () => Promise<void>;

beforeAll(async () => ({ store, cleanup } = await openTestStore()));
afterAll(async () => cleanup());

test("messages leased for a request aborted meanwhile are given back at once, uncounted", async () => {
  const broker = new Broker(store);
  const q = uniqueName();
  await store.queues.put(q, {}, Date.now());
  const [published] = await store.messages.publish(q, [message("x")], Date.now());
  const controller = new AbortController();
  // receive sends the lease to the writer before its first await; the abort lands while it runs.
  const pending = broker.receive(q, { max: 1, waitSeconds: 0 }, controller.signal);
  controller.abort();
  expect(await pending).toEqual([]);
  expect(await broker.getMessage(q, published!.id)).toMatchObject({ state: "ready", attempts: 0 });
  const [leased] = await broker.receive(q, { max: 1, waitSeconds: 0 });
  expect(leased).toMatchObject({ id: published!.id, attempts: 1 });
});

test("an aborted long-poll stops waiting before its wait is up", async () => {
  const broker = new Broker(store);
  const q = uniqueName();
  await store.queues.put(q, {}, Date.now());
  const controller = new AbortController();
  const pending = broker.receive(q, { max: 1, waitSeconds: 60 }, controller.signal);
  setTimeout(() => controller.abort(), 50);
  // Were the abort ignored, this would take the whole 60 s and hit the test's timeout.
  expect(await pending).toEqual([]);
}, 30_000);
