import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { QueueSettingsPatch } from "../../src/domain/queue-settings.ts";
import type { Store } from "../../src/storage/store.ts";
import {
  assertSharedDriversOfferTwoHandles,
  concurrently,
  concurrentlySettled,
  failureCode,
  handleFor,
  openStoreHandles,
} from "../helpers/concurrency.ts";
import { message, uniqueName } from "../helpers/test-store.ts";

// Driver conformance under concurrency, publishing side: the checks that come before an insert
// (is this dedupId known? does the batch fit under maxMessages?) must hold when many publishes
// run at once. With one writer (SQLite) they hold by construction; with concurrent transactions
// (PostgreSQL) they race unless the driver makes them atomic. Calls are spread over every handle
// the driver offers (see test/helpers/concurrency.ts): one for SQLite, two on one database for
// PostgreSQL, so the same cases also catch races between instances.

let handles: Store[];
let cleanup: () => Promise<void>;

beforeAll(async () => ({ handles, cleanup } = await openStoreHandles()));
afterAll(async () => cleanup());

function first(): Store {
  return handleFor(handles, 0);
}

async function newQueue(settings: QueueSettingsPatch = {}): Promise<{ q: string; now: number }> {
  const q = uniqueName();
  const now = first().now();
  await first().queues.put(q, settings, now);
  return { q, now };
}

test("a driver for a shared database offers the suite a second handle", () => {
  assertSharedDriversOfferTwoHandles(handles);
});

describe("one dedupId published concurrently", () => {
  test("50 concurrent publishes, single and in batches, store one message and all answer its id", async () => {
    const { q, now } = await newQueue();
    // Every fifth call is a batch: the keyed message between two unkeyed ones of its own.
    const results = await concurrently(50, (i) => {
      const keyed = message({ call: i }, { dedupId: "once" });
      const batch = i % 5 === 0 ? [message({ call: i, extra: 1 }), keyed, message({ call: i, extra: 2 })] : [keyed];
      return handleFor(handles, i).messages.publish(q, batch, now);
    });

    const keyed = results.map((result) => (result.length === 3 ? result[1]! : result[0]!));
    const ids = new Set(keyed.map((result) => result.id));
    expect(ids.size).toBe(1);
    expect(keyed.filter((result) => !result.duplicate)).toHaveLength(1);
    const extras = results.filter((result) => result.length === 3).flatMap((result) => [result[0]!, result[2]!]);
    expect(extras).toHaveLength(20);
    expect(extras.every((result) => !result.duplicate)).toBe(true);

    for (const store of handles) {
      expect((await store.queues.stats(q, now)).ready).toBe(1 + extras.length);
      const [id] = ids;
      expect((await store.messages.get(q, id!, now))?.dedupId).toBe("once");
    }
  });

  test("concurrent fan-outs of one dedupId write one copy per subscribed queue", async () => {
    const { q: left, now } = await newQueue();
    const { q: right } = await newQueue();
    const topic = uniqueName("t");
    await first().topics.put(topic, now);
    await first().topics.putSubscription(topic, "left", { queue: left, filter: null }, now);
    await first().topics.putSubscription(topic, "right", { queue: right, filter: null }, now);

    const results = await concurrently(30, (i) =>
      handleFor(handles, i).topics.publish(topic, message({ call: i }, { dedupId: "event-1" }), now),
    );
    for (const queue of [left, right]) {
      const copies = results.map((fanOut) => fanOut.find((r) => r.queue === queue)!);
      expect(new Set(copies.map((copy) => copy.id)).size).toBe(1);
      expect(copies.filter((copy) => !copy.duplicate)).toHaveLength(1);
      expect((await first().queues.stats(queue, now)).ready).toBe(1);
    }
  });
});

describe("publishers racing for maxMessages", () => {
  /** Messages a queue holds against its maxMessages (dead letters do not count). */
  async function live(store: Store, q: string, now: number): Promise<number> {
    const stats = await store.queues.stats(q, now);
    return stats.ready + stats.delayed + stats.leased + stats.grouped;
  }

  test("50 concurrent publishers: exactly the limit is accepted, the rest get queue_full", async () => {
    const limit = 10;
    const { q, now } = await newQueue({ maxMessages: limit });
    // 40 single messages and 10 batches of 3. The singles alone exceed the limit, so in whatever
    // order the store serves the calls, the free places are all taken: fewer accepted than the
    // limit would mean a single was refused while there was room.
    const sizes = Array.from({ length: 50 }, (_, i) => (i % 5 === 0 ? 3 : 1));
    const [outcomes, seen] = await Promise.all([
      concurrentlySettled(sizes.length, (i) =>
        handleFor(handles, i).messages.publish(
          q,
          Array.from({ length: sizes[i]! }, (_, n) => message({ call: i, n })),
          now,
        ),
      ),
      // Counts read while the publishes run: none may see more than the limit.
      concurrently(10, (i) => live(handleFor(handles, i), q, now)),
    ]);

    let accepted = 0;
    const refusals: string[] = [];
    outcomes.forEach((outcome, i) => {
      if (outcome.status === "fulfilled") accepted += sizes[i]!;
      else refusals.push(failureCode(outcome.reason));
    });
    expect(accepted).toBe(limit);
    expect(refusals.length).toBeGreaterThan(0);
    expect(refusals.every((code) => code === "queue_full")).toBe(true);
    expect(Math.max(...seen)).toBeLessThanOrEqual(limit);
    for (const store of handles) expect(await live(store, q, now)).toBe(limit);
  });

  test("places freed by acks are taken by exactly as many of the concurrent publishers", async () => {
    const limit = 8;
    const { q, now } = await newQueue({ maxMessages: limit });
    await first().messages.publish(
      q,
      Array.from({ length: limit }, (_, n) => message(n)),
      now,
    );
    const leased = await first().messages.lease(q, 3, 300_000, now);
    expect(
      await first().messages.ack(
        q,
        leased.map((m) => m.receipt),
        now,
      ),
    ).toEqual(["ok", "ok", "ok"]);

    const outcomes = await concurrentlySettled(20, (i) =>
      handleFor(handles, i).messages.publish(q, [message({ late: i })], now),
    );
    expect(outcomes.filter((outcome) => outcome.status === "fulfilled")).toHaveLength(3);
    const codes = outcomes.flatMap((outcome) => (outcome.status === "rejected" ? [failureCode(outcome.reason)] : []));
    expect(codes).toEqual(Array.from({ length: 17 }, () => "queue_full"));
    expect(await live(first(), q, now)).toBe(limit);
  });
});

describe("publishers entering ordering groups", () => {
  /** Leases the group's messages one call at a time until none is left; fails if a call gets two. */
  async function drainOneByOne(q: string, now: number): Promise<string[]> {
    const delivered: string[] = [];
    for (;;) {
      const leased = await first().messages.lease(q, 10, 300_000, now);
      if (leased.length === 0) return delivered;
      expect(leased).toHaveLength(1);
      delivered.push(leased[0]!.id);
      expect(await first().messages.ack(q, [leased[0]!.receipt], now)).toEqual(["ok"]);
    }
  }

  test("30 concurrent publishes into an idle group make one message ready and hold the rest behind it", async () => {
    const { q, now } = await newQueue();
    const results = await concurrently(30, (i) =>
      handleFor(handles, i).messages.publish(q, [message({ call: i }, { groupId: "g" })], now),
    );
    expect(await first().queues.stats(q, now)).toMatchObject({ ready: 1, grouped: 29 });
    const leased = await concurrently(10, (i) => handleFor(handles, i).messages.lease(q, 10, 300_000, now));
    expect(leased.flat()).toHaveLength(1);
    await first().messages.ack(q, [leased.flat()[0]!.receipt], now);
    const rest = await drainOneByOne(q, now);
    expect([leased.flat()[0]!.id, ...rest].sort()).toEqual(results.map(([r]) => r!.id).sort());
  });

  test("publishes racing the acks of the groups' heads never strand a group", async () => {
    const { q, now } = await newQueue();
    const groups = Array.from({ length: 8 }, (_, g) => `g${g}`);
    await first().messages.publish(
      q,
      groups.map((groupId) => message("head", { groupId })),
      now,
    );
    // Each round, every group's head is acked (which promotes the group's next message) at once
    // with publishes into that group (which decide whether they enter ready or held), sent on
    // either side of the ack. Whatever the order, every group must end the round with exactly
    // one message ready and the rest held. Many groups and rounds, as a race shows only now and then.
    const rounds = 15;
    const perGroup = 6;
    const published = new Set<string>();
    for (let round = 0; round < rounds; round++) {
      const heads = await first().messages.lease(q, groups.length, 300_000, now);
      expect(heads.map((m) => m.groupId).sort()).toEqual(groups);
      const publish = (groupId: string, i: number) =>
        handleFor(handles, i + 1).messages.publish(q, [message({ round, i }, { groupId })], now);
      const settled = heads.map(async (head) => {
        const early = concurrently(perGroup / 2, (i) => publish(head.groupId!, i));
        const acked = first().messages.ack(q, [head.receipt], now);
        const late = concurrently(perGroup / 2, (i) => publish(head.groupId!, perGroup / 2 + i));
        expect(await acked).toEqual(["ok"]);
        for (const [result] of [...(await early), ...(await late)]) published.add(result!.id);
      });
      await Promise.all(settled);
      const stats = await first().queues.stats(q, now);
      expect({ ready: stats.ready, leased: stats.leased }).toEqual({ ready: groups.length, leased: 0 });
    }
    // Each round acked one head per group; the first heads were published before the rounds.
    const stats = await first().queues.stats(q, now);
    expect(published.size).toBe(rounds * groups.length * perGroup);
    expect(stats.ready + stats.grouped).toBe(groups.length + published.size - rounds * groups.length);
  });
});
