import { afterAll, beforeAll, expect, test } from "bun:test";
import type { Store } from "../../src/storage/store.ts";
import { message, openTestStore, uniqueName } from "../helpers/test-store.ts";

// Driver conformance: publishes in flight at once to different queues. PostgreSQL folds the plain
// publishes of one event-loop turn into one INSERT (group commit); each publish must still get the
// outcome it would get alone. (Races on one queue: concurrent-publishers.test.ts.)

let store: Store;
let cleanup: () => Promise<void>;
const T0 = 1_700_000_000_000;

beforeAll(async () => ({ store, cleanup } = await openTestStore()));
afterAll(async () => cleanup());

async function newQueue(settings: Parameters<Store["queues"]["put"]>[1] = {}): Promise<string> {
  const name = uniqueName();
  await store.queues.put(name, { backoff: { jitter: "none" }, ...settings }, T0);
  return name;
}

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
