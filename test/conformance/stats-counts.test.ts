import { afterAll, beforeAll, expect, test } from "bun:test";
import type { QueueStats } from "../../src/domain/message.ts";
import type { Store } from "../../src/storage/store.ts";
import { message, openTestStore, uniqueName } from "../helpers/test-store.ts";

// Drivers keep stats as counts moved along with the messages instead of scanning them. A
// transition the counts miss drifts forever, so every kind of transition is taken here in turn
// and after each one stats() must equal a count by scan, before and after the delayed ones fall due.

let store: Store;
let countByScan: (queue: string, now: number) => Promise<QueueStats>;
let cleanup: () => Promise<void>;
const T0 = 1_700_000_000_000;
/** Later than every delay used below: the delayed messages are ready by then. */
const LATER = T0 + 3_600_000;
const OWNER = "instance-a";

beforeAll(async () => ({ store, cleanup, countByScan } = await openTestStore()));
afterAll(async () => cleanup());

async function expectCountsMatch(queue: string, now: number, step: string): Promise<void> {
  for (const at of [now, LATER]) {
    const stats = await store.queues.stats(queue, at);
    expect({ step, at, stats }).toEqual({ step, at, stats: await countByScan(queue, at) });
    const fromAll = (await store.queues.statsAll(at)).find((row) => row.queue === queue)?.stats;
    expect({ step, at, stats: fromAll }).toEqual({ step, at, stats });
  }
}

test("stats equal a count by scan after every kind of transition", async () => {
  const q = uniqueName("counts");
  const topic = uniqueName("counts-topic");
  const noBackoff = { jitter: "none" as const, baseMs: 1, maxMs: 1, multiplier: 1 };
  await store.queues.put(q, { maxAttempts: 2, backoff: noBackoff, retentionSeconds: 60 }, T0);
  await expectCountsMatch(q, T0, "created");

  let now = T0;
  await store.messages.publish(
    q,
    [
      message("p0", { availableAt: now }),
      message("p5", { availableAt: now, priority: 5 }),
      message("p-1", { availableAt: now, priority: -1 }),
      message("delayed-0", { availableAt: now + 60_000 }),
      message("delayed-5", { availableAt: now + 90_000, priority: 5 }),
      message("g1", { availableAt: now, groupId: "g" }),
      message("g2", { availableAt: now, groupId: "g" }),
      message("g3", { availableAt: now, groupId: "g" }),
    ],
    now,
  );
  await expectCountsMatch(q, now, "publish incl. delayed and grouped");

  now += 1000;
  const firstLeases = await store.messages.lease(q, 2, 30_000, now, OWNER);
  await expectCountsMatch(q, now, "lease");

  await store.messages.ack(q, [firstLeases[0]!.receipt], now);
  await expectCountsMatch(q, now, "ack");

  await store.messages.nack(q, [{ receipt: firstLeases[1]!.receipt, delayMs: 10_000, error: "later" }], now);
  await expectCountsMatch(q, now, "nack with delay");

  // Lease everything ready (the group's head among them) and ack the group's head: promotion.
  now += 1000;
  const all = await store.messages.lease(q, 100, 30_000, now, OWNER);
  const head = all.find((leased) => leased.body === JSON.stringify("g1"));
  expect(head).toBeDefined();
  await store.messages.ack(q, [head!.receipt], now);
  await expectCountsMatch(q, now, "group promotion");

  const others = all.filter((leased) => leased !== head);
  await store.messages.returnUndelivered(q, [others[0]!.receipt], now);
  await expectCountsMatch(q, now, "returnUndelivered");

  // The rest expire: attempt 1 of 2 for most, so they come back ready.
  now += 60_000;
  await store.maintenance.releaseExpiredLeases(now, 1000);
  await expectCountsMatch(q, now, "expiry via sweep");

  // Attempt 2 of 2: a nack dead-letters, an expiry dead-letters, the shutdown release too.
  now += 100_000;
  const second = await store.messages.lease(q, 100, 1000, now, OWNER);
  expect(second.length).toBeGreaterThanOrEqual(3);
  await store.messages.nack(q, [{ receipt: second[0]!.receipt, delayMs: null, error: "last" }], now);
  await expectCountsMatch(q, now, "dead-letter by nack");
  await store.messages.releaseOwnedLeases(OWNER, now);
  await expectCountsMatch(q, now, "release at shutdown");

  await store.messages.publish(q, [message("expires"), message("stays")], now);
  for (let attempt = 0; attempt < 2; attempt++) {
    await store.messages.lease(q, 1, 1000, now, OWNER);
    now += 5000;
    await store.maintenance.releaseExpiredLeases(now, 1000);
  }
  await expectCountsMatch(q, now, "dead-letter by expiry");

  const deadIds = (await store.deadLetters.list(q, null, 100, now)).messages.map((dead) => dead.id);
  expect(deadIds.length).toBeGreaterThanOrEqual(3);
  await store.deadLetters.redrive(q, [deadIds[0]!], now);
  await expectCountsMatch(q, now, "redrive one");
  await store.deadLetters.remove(q, [deadIds[1]!]);
  await expectCountsMatch(q, now, "remove dead");

  // Retention: dead letters older than 60 s go.
  now += 120_000;
  await store.maintenance.deleteExpiredDeadLetters(now, 1000);
  await expectCountsMatch(q, now, "retention of dead letters");

  const more = await store.messages.lease(q, 1, 1000, now, OWNER);
  await store.messages.nack(q, [{ receipt: more[0]!.receipt, delayMs: 0, error: "x" }], now);
  const again = await store.messages.lease(q, 1, 1000, now, OWNER);
  await store.messages.nack(q, [{ receipt: again[0]!.receipt, delayMs: 0, error: "x" }], now);
  await store.deadLetters.redrive(q, "all", now);
  await expectCountsMatch(q, now, "redrive all");

  await store.topics.put(topic, now);
  await store.topics.putSubscription(topic, "to-q", { queue: q, filter: null }, now);
  await store.topics.publish(topic, message("fanned out"), now);
  await expectCountsMatch(q, now, "topic fan-out");

  const leased = await store.messages.lease(q, 1, 1000, now, OWNER);
  await store.messages.nack(q, [{ receipt: leased[0]!.receipt, delayMs: 0, error: "x" }], now);
  const last = await store.messages.lease(q, 1, 1000, now, OWNER);
  await store.messages.nack(q, [{ receipt: last[0]!.receipt, delayMs: 0, error: "x" }], now);
  await store.deadLetters.purge(q);
  await expectCountsMatch(q, now, "purge dead");

  await store.messages.publish(q, [message("delayed", { availableAt: now + 60_000 })], now);
  await store.messages.lease(q, 1, 30_000, now, OWNER);
  await store.queues.purge(q);
  await expectCountsMatch(q, now, "purge queue");

  await store.messages.publish(q, [message("a"), message("b", { groupId: "h" }), message("c", { groupId: "h" })], now);
  await store.messages.lease(q, 1, 30_000, now, OWNER);
  await store.queues.delete(q);
  await store.queues.put(q, {}, now);
  await expectCountsMatch(q, now, "delete and recreate queue");
  expect(await store.queues.stats(q, now)).toEqual({
    ready: 0,
    delayed: 0,
    leased: 0,
    dead: 0,
    grouped: 0,
    oldestReadyAgeSeconds: 0,
  });

  await store.messages.publish(q, [message("new"), message("new-delayed", { availableAt: now + 1000 })], now);
  await expectCountsMatch(q, now, "publish after recreate");
}, 60_000); // about 150 round trips: on PostgreSQL, more than the default 5 s on a loaded machine
