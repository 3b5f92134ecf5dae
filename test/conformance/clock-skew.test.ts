import { expect, test } from "bun:test";
import { Broker } from "../../src/broker/broker.ts";
import { createLogger } from "../../src/observability/logger.ts";
import { leaseSweeper } from "../../src/services/maintenance.ts";
import type { Store } from "../../src/storage/store.ts";
import { openTestDatabase } from "../helpers/concurrency.ts";
import { DatabaseClock, onDatabaseClock, onMachineClockAhead, overriding } from "../helpers/skewed-clocks.ts";
import { uniqueName } from "../helpers/test-store.ts";

// Clock skew between the VMs of a fleet. What the design promises: every time-based decision
// (lease expiry, availableAt, dedup windows, retention) is made on the store's clock,
// `store.now()`, which is the database's clock when several instances share one database. The
// broker and the maintenance services take their time from it, never from the machine they run
// on. So instance B, whose machine clock runs 30 s ahead of A's, must not see A's 20 s lease as
// expired (no stolen lease, no early sweep), nor a 10 s delay or dedup window as over.
//
// Two tests. The first runs on every driver: two brokers on one store whose clock is a simulated
// database clock, with B's machine clock (Date) really set 30 s ahead, so any decision taken
// on the machine's clock shows. The second runs the same scenario on two real handles of one
// database with the driver's own `now()`, for drivers whose database several instances share (PostgreSQL);
// on SQLite one process owns the file, so its `now()` is that one machine's clock by design and
// there is no second machine whose clock could differ.

const SKEW_MS = 30_000;
/** Shorter than the skew: a decision taken on B's machine clock would find A's lease expired. */
const VISIBILITY_SECONDS = 20;
const DELAY_SECONDS = 10;
const DEDUP_WINDOW_SECONDS = 10;
/** The first retry's wait after a lease runs out (no jitter, so the test can move past it exactly). */
const BACKOFF_BASE_MS = 1000;

const quiet = createLogger("error", () => undefined);

interface Outcome {
  queue: string;
  /** The delayed message's id. */
  delayed: string;
  /** Instance B's broker, for a test to act as B afterwards. */
  brokerB: Broker;
}

/**
 * A publishes three messages and leases one; then B, on a machine 30 s ahead, receives,
 * republishes the keyed one, reads A's message and runs a lease-sweeper pass; then A acks.
 */
async function skewScenario(storeA: Store, openStoreB: () => Promise<Store>): Promise<Outcome> {
  const brokerA = new Broker(storeA);
  const queue = uniqueName();
  await brokerA.putQueue(queue, {
    visibilityTimeoutSeconds: VISIBILITY_SECONDS,
    dedupWindowSeconds: DEDUP_WINDOW_SECONDS,
    backoff: { jitter: "none", baseMs: BACKOFF_BASE_MS },
  });
  const [first] = await brokerA.publish(queue, [{ body: "leased by A" }], null);
  const [delayed] = await brokerA.publish(queue, [{ body: "delayed", delaySeconds: DELAY_SECONDS }], null);
  const [keyed] = await brokerA.publish(queue, [{ body: "keyed", dedupId: "k" }], null);
  const [leasedByA] = await brokerA.receive(queue, { max: 1, waitSeconds: 0 });
  expect(leasedByA?.id).toBe(first!.id);

  const brokerB = await onMachineClockAhead(SKEW_MS, async () => {
    const storeB = await openStoreB();
    const brokerB = new Broker(storeB);

    // B's receive takes only the ready message: neither A's lease nor the delay has run out.
    const received = await brokerB.receive(queue, { max: 10, waitSeconds: 0 });
    expect(received.map((m) => m.id)).toEqual([keyed!.id]);
    // The dedup window has not run out either.
    expect(await brokerB.publish(queue, [{ body: "keyed again", dedupId: "k" }], null)).toEqual([
      { id: keyed!.id, duplicate: true },
    ]);
    expect(await brokerB.getMessage(queue, first!.id)).toMatchObject({
      state: "leased",
      leaseExpiresAt: leasedByA!.leaseExpiresAt,
    });
    expect(await brokerB.getMessage(queue, delayed!.id)).toMatchObject({ state: "delayed" });
    // B's lease sweeper, on its default clock, releases nothing: both leases are unexpired.
    expect(await oneSweeperPass(storeB)).toBe(0);
    return brokerB;
  });

  expect(await brokerA.ack(queue, [leasedByA!.receipt])).toEqual(["ok"]);
  return { queue, delayed: delayed!.id, brokerB };
}

/**
 * Starts the lease sweeper on `store` as the leader (leadership is not what this tests) and
 * resolves with what its first pass released.
 */
async function oneSweeperPass(store: Store): Promise<number> {
  let done: (released: number) => void = () => undefined;
  const released = new Promise<number>((resolve) => (done = resolve));
  const { maintenance } = store;
  const leader = overriding(store, {
    holdsLeadership: () => Promise.resolve(true),
    maintenance: {
      takeTransitionCounts: () => maintenance.takeTransitionCounts(),
      deleteExpiredDeadLetters: (now, limit) => maintenance.deleteExpiredDeadLetters(now, limit),
      deleteExpiredDedupKeys: (now, limit) => maintenance.deleteExpiredDedupKeys(now, limit),
      foldQueueCounts: () => maintenance.foldQueueCounts(),
      releaseExpiredLeases: async (now, limit) => {
        const count = await maintenance.releaseExpiredLeases(now, limit);
        done(count);
        return count;
      },
    },
  });
  // Its default clock: the store's.
  const sweeper = leaseSweeper(leader, quiet);
  sweeper.start();
  try {
    return await released;
  } finally {
    await sweeper.stop();
  }
}

test("a machine clock 30 s ahead steals no lease and ends no delay or dedup window early (database clock simulated)", async () => {
  const database = await openTestDatabase();
  try {
    const clock = new DatabaseClock(database.store.now());
    const storeA = onDatabaseClock(database.store, clock);
    const { queue, delayed, brokerB } = await skewScenario(storeA, () =>
      Promise.resolve(onDatabaseClock(database.store, clock)),
    );

    // The control: once the database's clock says a lease ran out, B does take the message
    // over and A's receipt is lost. So the scenario above would have shown a steal, had B
    // judged time by anything running ahead of the database.
    const brokerA = new Broker(storeA);
    const [expiring] = await brokerA.publish(queue, [{ body: "expires" }], null);
    const [held] = await brokerA.receive(queue, { max: 1, waitSeconds: 0 });
    expect(held?.id).toBe(expiring!.id);
    clock.advance(VISIBILITY_SECONDS * 1000 + BACKOFF_BASE_MS);
    const taken = (await brokerB.receive(queue, { max: 10, waitSeconds: 0 })).map((m) => m.id);
    expect(taken).toContain(held!.id);
    expect(taken).toContain(delayed);
    expect(await brokerA.ack(queue, [held!.receipt])).toEqual(["lease_lost"]);
  } finally {
    await database.cleanup();
  }
});

test("the same on two handles of one shared database, on the driver's own clock (shared drivers only)", async () => {
  const database = await openTestDatabase();
  try {
    if (database.openSecondHandle === null) {
      // One process owns a SQLite file: its now() is that machine's clock by design, and no
      // second machine shares the file. A driver for a shared database must offer the handle.
      expect(database.store.dialect).toBe("sqlite");
      return;
    }
    await skewScenario(database.store, database.openSecondHandle);
  } finally {
    await database.cleanup();
  }
});
