import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { Broker } from "../../src/broker/broker.ts";
import type { LeasedMessage } from "../../src/domain/message.ts";
import type { Store } from "../../src/storage/store.ts";
import {
  assertSharedDriversOfferTwoHandles,
  concurrently,
  handleFor,
  openStoreHandles,
} from "../helpers/concurrency.ts";
import { message, uniqueName } from "../helpers/test-store.ts";

// Driver conformance under concurrency, consuming side: many lease, ack and nack calls at once
// on one queue. A lease must claim each message once, an ordering group must have one message
// in flight however many consumers ask, and a receipt must be settled once. Calls are spread over
// every handle the driver offers (one for SQLite, two on one database for PostgreSQL: see
// test/helpers/concurrency.ts), and the group case runs through one Broker per handle, as
// instances do.

let handles: Store[];
let cleanup: () => Promise<void>;

beforeAll(async () => ({ handles, cleanup } = await openStoreHandles()));
afterAll(async () => cleanup());

/** Long enough that no lease runs out while a case runs: expiry is not what these test. */
const VISIBILITY_MS = 300_000;

function first(): Store {
  return handleFor(handles, 0);
}

async function newQueue(): Promise<{ q: string; now: number }> {
  const q = uniqueName();
  const now = first().now();
  await first().queues.put(q, { maxAttempts: 10, backoff: { jitter: "none" } }, now);
  return { q, now };
}

test("a driver for a shared database offers the suite a second handle", () => {
  assertSharedDriversOfferTwoHandles(handles);
});

describe("concurrent leases", () => {
  test("20 concurrent lease calls never hand out one message twice", async () => {
    const { q, now } = await newQueue();
    const total = 60;
    await first().messages.publish(
      q,
      Array.from({ length: total }, (_, n) => message(n, { priority: n % 3 })),
      now,
    );
    const results = await concurrently(20, (i) => handleFor(handles, i).messages.lease(q, 5, VISIBILITY_MS, now));
    const ids = results.flatMap((leased) => leased.map((m) => m.id));
    // 20 calls asked for 100: every message is leased, each exactly once.
    expect(ids).toHaveLength(total);
    expect(new Set(ids).size).toBe(total);
    expect((await first().queues.stats(q, now)).leased).toBe(total);
    expect(await concurrently(4, (i) => handleFor(handles, i).messages.lease(q, 5, VISIBILITY_MS, now))).toEqual([
      [],
      [],
      [],
      [],
    ]);
  });

  test("a concurrent ack and nack of one receipt: exactly one wins, the other is lease_lost", async () => {
    const { q, now } = await newQueue();
    await first().messages.publish(
      q,
      Array.from({ length: 20 }, (_, n) => message(n)),
      now,
    );
    const leased = await first().messages.lease(q, 20, VISIBILITY_MS, now);
    expect(leased).toHaveLength(20);

    // Half the pairs send the ack first, half the nack, each through a different handle when
    // there are two.
    const pairs = await concurrently(leased.length, async (i) => {
      const { receipt } = leased[i]!;
      const ack = () => handleFor(handles, i).messages.ack(q, [receipt], now);
      const nack = () => handleFor(handles, i + 1).messages.nack(q, [{ receipt, delayMs: 0, error: "retry" }], now);
      const [acked, nacked] =
        i % 2 === 0 ? await Promise.all([ack(), nack()]) : (await Promise.all([nack(), ack()])).reverse();
      return { id: leased[i]!.id, acked: acked![0], nacked: nacked![0] };
    });

    for (const { id, acked, nacked } of pairs) {
      expect([acked, nacked].sort()).toEqual(["lease_lost", "ok"]);
      const record = await first().messages.get(q, id, now);
      // The winner's effect, and only its: an acked message is gone; a nacked one is ready again.
      if (acked === "ok") expect(record).toBeNull();
      else expect(record).toMatchObject({ state: "ready", attempts: 1, lastError: "retry" });
    }
    const requeued = pairs.filter((pair) => pair.nacked === "ok").length;
    expect((await first().queues.stats(q, now)).ready).toBe(requeued);
  });
});

describe("a lease running out while sweepers and receivers race for it", () => {
  test("each expired message is turned over once and re-leased once, its group still blocked", async () => {
    const { q, now } = await newQueue();
    // Ten free messages and two groups of five: twelve are leasable, the groups' heads among them.
    await first().messages.publish(
      q,
      [
        ...Array.from({ length: 10 }, (_, n) => message({ free: n })),
        ...Array.from({ length: 5 }, (_, n) => message({ n }, { groupId: "a" })),
        ...Array.from({ length: 5 }, (_, n) => message({ n }, { groupId: "b" })),
      ],
      now,
    );
    const firstLeases = await first().messages.lease(q, 20, 1000, now);
    expect(firstLeases).toHaveLength(12);
    for (const store of handles) await store.maintenance.takeTransitionCounts();

    // Past the expiry and the first backoff (1 s, no jitter): every lease ran out and every
    // message is ready again. Sweeps and leases then run at once, on every handle.
    const later = now + 5000;
    const [, leased] = await Promise.all([
      concurrently(6, (i) => handleFor(handles, i).maintenance.releaseExpiredLeases(later, 1000)),
      concurrently(10, (i) => handleFor(handles, i + 1).messages.lease(q, 5, VISIBILITY_MS, later)),
    ]);

    // A receiver may come away empty while a sweeper holds the rows (a driver that skips locked
    // rows), so one more lease, once the race is over, takes what is left.
    const again = [...leased.flat(), ...(await first().messages.lease(q, 20, VISIBILITY_MS, later))];
    expect(again.map((m) => m.id).sort()).toEqual(firstLeases.map((m) => m.id).sort());
    // One expiry counted per message: attempts and the expired count would double otherwise.
    expect(again.every((m) => m.attempts === 2)).toBe(true);
    let expired = 0;
    for (const store of handles) {
      expired += (await store.maintenance.takeTransitionCounts()).find((c) => c.queue === q)?.expired ?? 0;
    }
    expect(expired).toBe(12);
    expect(await first().queues.stats(q, later)).toMatchObject({ leased: 12, ready: 0, grouped: 8 });
  });
});

describe("concurrent consumers of ordering groups", () => {
  test("20 consumers: never two messages of one group held at once, each group in publish order", async () => {
    const brokers = handles.map((store) => new Broker(store));
    const { q } = await newQueue();
    const groups = ["g0", "g1", "g2", "g3", "g4"];
    const rounds = 8;
    // One batch per round, so each group's publish order is its messages' order in the rounds.
    const publishOrder = new Map<string, string[]>(groups.map((g) => [g, []]));
    const ungrouped = new Set<string>();
    for (let round = 0; round < rounds; round++) {
      const results = await handleFor(brokers, round).publish(
        q,
        [...groups.map((groupId) => ({ body: { round, groupId }, groupId })), { body: { round } }],
        null,
      );
      groups.forEach((g, n) => publishOrder.get(g)!.push(results[n]!.id));
      ungrouped.add(results[groups.length]!.id);
    }
    const total = rounds * (groups.length + 1);

    const held = new Map<string, string>();
    const violations: string[] = [];
    const ackOrder = new Map<string, string[]>(groups.map((g) => [g, []]));
    const ackedUngrouped: string[] = [];
    let acked = 0;
    const progress = new Progress();
    const consumers = 20;

    const settle = async (broker: Broker, m: LeasedMessage, index: number): Promise<void> => {
      // Released before the call: the next message of the group can be leased only once this
      // ack or nack has committed, so clearing it afterwards could flag a lease that was fine.
      if (m.groupId !== null) held.delete(m.groupId);
      // Every third message is retried once, with no delay: it must come back before the next
      // message of its group.
      const retry = m.attempts === 1 && index % 3 === 0;
      const [outcome] = retry ? await broker.nack(q, [m.receipt], 0, "once more") : await broker.ack(q, [m.receipt]);
      expect(outcome).toBe("ok");
      if (!retry) {
        acked += 1;
        if (m.groupId === null) ackedUngrouped.push(m.id);
        else ackOrder.get(m.groupId)!.push(m.id);
      }
      progress.changed();
    };

    let settledCount = 0;
    const consume = async (consumer: number): Promise<void> => {
      const broker = handleFor(brokers, consumer);
      while (acked < total) {
        const seen = progress.version;
        const leased = await broker.receive(q, {
          max: 1 + (consumer % 3),
          waitSeconds: 0,
          visibilityTimeoutSeconds: VISIBILITY_MS / 1000,
        });
        for (const m of leased) {
          if (m.groupId === null) continue;
          const other = held.get(m.groupId);
          if (other !== undefined) violations.push(`group ${m.groupId}: ${m.id} leased while ${other} was held`);
          held.set(m.groupId, m.id);
        }
        if (leased.length === 0) {
          if (acked < total) await progress.waitForChange(seen, consumers, total - acked);
          continue;
        }
        await Promise.all(leased.map((m) => settle(broker, m, settledCount++)));
      }
    };
    await concurrently(consumers, consume);

    expect(violations).toEqual([]);
    for (const g of groups) expect(ackOrder.get(g)).toEqual(publishOrder.get(g));
    expect(ackedUngrouped.sort()).toEqual([...ungrouped].sort());
    expect(await first().queues.stats(q, first().now())).toMatchObject({ ready: 0, leased: 0, grouped: 0 });
  });
});

/**
 * Lets a consumer that found nothing wait for another consumer's ack or nack, the only thing that
 * can make more messages available here (all were published up front), instead of polling.
 */
class Progress {
  version = 0;
  private waiting: Array<() => void> = [];
  private stuck: Error | null = null;

  changed(): void {
    this.version += 1;
    for (const wake of this.waiting.splice(0)) wake();
  }

  /**
   * Resolves at the next change, at once if one happened since `seen`. Throws when every consumer
   * would wait with messages left: nothing is held, so no ack or nack can ever free them.
   */
  waitForChange(seen: number, consumers: number, left: number): Promise<void> {
    if (this.stuck) return Promise.reject(this.stuck);
    if (this.version !== seen) return Promise.resolve();
    if (this.waiting.length + 1 >= consumers) {
      // The others wake to find the same error, so that every consumer stops.
      this.stuck = new Error(`${left} messages never became available to any of the ${consumers} consumers`);
      for (const wake of this.waiting.splice(0)) wake();
      return Promise.reject(this.stuck);
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }
}
