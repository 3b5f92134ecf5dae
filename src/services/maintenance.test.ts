import { afterAll, beforeAll, expect, test } from "bun:test";
import { message, openTestStore, uniqueName } from "../../test/helpers/test-store.ts";
import { createLogger } from "../observability/logger.ts";
import type { Store } from "../storage/store.ts";
import { leaseSweeper } from "./maintenance.ts";

let store: Store;
let cleanup: () => Promise<void>;
beforeAll(async () => ({ store, cleanup } = await openTestStore()));
afterAll(async () => cleanup());

const quiet = createLogger("error", () => undefined);

/** The store as seen by an instance that does, or does not, hold the fleet's leadership. */
function asInstance(leader: boolean, asked: () => void = () => undefined): Store {
  return new Proxy(store, {
    get: (target, key) =>
      key === "holdsLeadership"
        ? () => {
            asked();
            return Promise.resolve(leader);
          }
        : Reflect.get(target, key),
  });
}

test("the lease sweeper runs only on the leader", async () => {
  const q = uniqueName();
  const t0 = Date.now();
  await store.queues.put(q, { visibilityTimeoutSeconds: 1 }, t0);
  await store.messages.publish(q, [message(1)], t0);
  await store.messages.lease(q, 1, 1000, t0);
  // A clock far past the lease's expiry, so a sweep that runs must release it.
  const later = () => t0 + 60_000;
  const stats = async () => (await store.queues.stats(q, t0)).leased;

  let turns = 0;
  const follower = leaseSweeper(
    asInstance(false, () => (turns += 1)),
    quiet,
    later,
  );
  follower.start();
  // Two turns asked for the lead: the first one has run to its end.
  for (let i = 0; i < 200 && turns < 2; i++) await Bun.sleep(50);
  await follower.stop();
  expect(turns).toBeGreaterThanOrEqual(2);
  expect(await stats()).toBe(1);

  const leader = leaseSweeper(asInstance(true), quiet, later);
  leader.start();
  for (let i = 0; i < 100 && (await stats()) === 1; i++) await Bun.sleep(50);
  await leader.stop();
  expect(await stats()).toBe(0);
});
