import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { randomBytes } from "node:crypto";
import type { Store } from "../../src/storage/store.ts";
import { message, openTestStore, uniqueName } from "../helpers/test-store.ts";

// Who may settle a lease (the receipt's token), what a lease looks like once it ran out, and
// giving leases back: uncounted for a client that went away, counted at an instance's shutdown.
// Time is passed explicitly, so expiry is tested by moving `now`, never by sleeping.

let store: Store;
let cleanup: () => Promise<void>;
const T0 = 1_700_000_000_000;
const noJitter = { backoff: { jitter: "none" as const, baseMs: 1000, maxMs: 60000, multiplier: 2 } };

beforeAll(async () => ({ store, cleanup } = await openTestStore()));
afterAll(async () => cleanup());

async function newQueue(settings: Parameters<Store["queues"]["put"]>[1] = noJitter): Promise<string> {
  const name = uniqueName();
  await store.queues.put(name, settings, T0);
  return name;
}

/** The same seq and generation as `receipt`, with another random token: what a guesser could build. */
function forged(receipt: string): string {
  const [prefix, seq, generation] = receipt.split(".");
  return `${prefix}.${seq}.${generation}.${randomBytes(16).toString("base64url")}`;
}

describe("receipt tokens", () => {
  test("a receipt with the right seq and generation but a wrong token is lease_lost and changes nothing", async () => {
    const q = await newQueue();
    await store.messages.publish(q, [message("guarded")], T0);
    const [leased] = await store.messages.lease(q, 1, 30_000, T0);
    const guess = forged(leased!.receipt);
    expect(guess).not.toBe(leased!.receipt);

    expect(await store.messages.ack(q, [guess], T0 + 1)).toEqual(["lease_lost"]);
    expect(await store.messages.nack(q, [{ receipt: guess, delayMs: 0, error: "stolen" }], T0 + 1)).toEqual([
      "lease_lost",
    ]);
    expect(await store.messages.extend(q, [{ receipt: guess, visibilityMs: 999_000 }], T0 + 1)).toEqual(["lease_lost"]);
    expect(await store.messages.returnUndelivered(q, [guess], T0 + 1)).toEqual(["lease_lost"]);

    const record = await store.messages.get(q, leased!.id, T0 + 2);
    expect(record).toMatchObject({ state: "leased", attempts: 1, leaseExpiresAt: T0 + 30_000, lastError: null });
    expect(await store.messages.ack(q, [leased!.receipt], T0 + 3)).toEqual(["ok"]);
  });

  test("every lease of a message gets a new token", async () => {
    const q = await newQueue();
    await store.messages.publish(q, [message(1)], T0);
    const [first] = await store.messages.lease(q, 1, 1000, T0);
    await store.messages.nack(q, [{ receipt: first!.receipt, delayMs: 0, error: null }], T0);
    const [second] = await store.messages.lease(q, 1, 1000, T0);
    expect(second!.receipt.split(".")[3]).not.toBe(first!.receipt.split(".")[3]);
  });

  test("a string that is no receipt answers invalid_receipt without stopping the others", async () => {
    const q = await newQueue();
    await store.messages.publish(q, [message(1)], T0);
    const [leased] = await store.messages.lease(q, 1, 30_000, T0);
    expect(await store.messages.ack(q, ["nonsense", leased!.receipt], T0)).toEqual(["invalid_receipt", "ok"]);
  });
});

describe("a lease that ran out", () => {
  test("reads as what its expiry makes it: delayed while backing off, then ready", async () => {
    const q = await newQueue();
    await store.messages.publish(q, [message(1)], T0);
    const [leased] = await store.messages.lease(q, 1, 1000, T0);
    expect((await store.messages.get(q, leased!.id, T0 + 999))!.state).toBe("leased");
    const expired = await store.messages.get(q, leased!.id, T0 + 1000);
    expect(expired).toMatchObject({ state: "delayed", availableAt: T0 + 2000, leaseExpiresAt: null, attempts: 1 });
    expect(expired!.lastError).toContain("lease expired");
    expect((await store.messages.get(q, leased!.id, T0 + 2000))!.state).toBe("ready");
    expect(await store.messages.ack(q, [leased!.receipt], T0 + 2000)).toEqual(["lease_lost"]);
  });

  test("reads as dead when it was the last attempt", async () => {
    const q = await newQueue({ ...noJitter, maxAttempts: 1 });
    await store.messages.publish(q, [message(1)], T0);
    const [leased] = await store.messages.lease(q, 1, 1000, T0);
    expect((await store.messages.get(q, leased!.id, T0 + 1000))!.state).toBe("dead");
  });

  test("is not counted as leased in stats, for one queue or all", async () => {
    const q = await newQueue();
    await store.messages.publish(q, [message(1), message(2)], T0);
    await store.messages.lease(q, 1, 1000, T0);
    await store.messages.lease(q, 1, 60_000, T0);
    const after = T0 + 1000;
    expect(await store.queues.stats(q, after)).toMatchObject({ leased: 1, delayed: 1 });
    await store.messages.publish(q, [message(3)], T0);
    await store.messages.lease(q, 1, 1000, T0 + 1);
    const all = await store.queues.statsAll(T0 + 1001);
    expect(all.find((row) => row.queue === q)!.stats).toMatchObject({ leased: 1, delayed: 2 });
  });
});

describe("giving leases back", () => {
  test("returnUndelivered makes the message ready at once, in its place, with the attempt uncounted", async () => {
    const q = await newQueue();
    const published = await store.messages.publish(q, [message(1), message(2)], T0);
    const leased = await store.messages.lease(q, 2, 30_000, T0);
    expect(await store.messages.returnUndelivered(q, [leased[0]!.receipt, "junk"], T0 + 5)).toEqual([
      "ok",
      "invalid_receipt",
    ]);
    expect(await store.messages.get(q, published[0]!.id, T0 + 5)).toMatchObject({ state: "ready", attempts: 0 });
    // The old receipt no longer settles anything.
    expect(await store.messages.ack(q, [leased[0]!.receipt], T0 + 5)).toEqual(["lease_lost"]);
    const [again] = await store.messages.lease(q, 1, 30_000, T0 + 5);
    expect(again).toMatchObject({ id: published[0]!.id, attempts: 1 });
  });

  test("releaseOwnedLeases releases only the owner's live leases, attempt counted, ready at once", async () => {
    const q = await newQueue();
    const [mine, theirs, none] = await store.messages.publish(q, [message("a"), message("b"), message("c")], T0);
    await store.messages.lease(q, 1, 30_000, T0, "instance-a");
    await store.messages.lease(q, 1, 30_000, T0, "instance-b");
    await store.messages.lease(q, 1, 30_000, T0);
    expect(await store.messages.releaseOwnedLeases("instance-a", T0 + 10)).toBe(1);
    const released = await store.messages.get(q, mine!.id, T0 + 10);
    expect(released).toMatchObject({ state: "ready", attempts: 1, availableAt: T0 + 10, leaseExpiresAt: null });
    expect(released!.lastError).toContain("shut down");
    expect((await store.messages.get(q, theirs!.id, T0 + 10))!.state).toBe("leased");
    expect((await store.messages.get(q, none!.id, T0 + 10))!.state).toBe("leased");
    const [again] = await store.messages.lease(q, 1, 30_000, T0 + 10);
    expect(again).toMatchObject({ id: mine!.id, attempts: 2 });
  });

  test("releaseOwnedLeases dead-letters a message on its last attempt", async () => {
    const q = await newQueue({ ...noJitter, maxAttempts: 1 });
    const [published] = await store.messages.publish(q, [message(1)], T0);
    await store.messages.lease(q, 1, 30_000, T0, "instance-last");
    expect(await store.messages.releaseOwnedLeases("instance-last", T0 + 1)).toBe(1);
    expect((await store.messages.get(q, published!.id, T0 + 1))!.state).toBe("dead");
  });
});
