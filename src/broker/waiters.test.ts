import { expect, test } from "bun:test";
import { Waiters } from "./waiters.ts";

test("notify wakes only as many waiters as asked, oldest first", async () => {
  const waiters = new Waiters();
  const woken: number[] = [];
  const parked = [1, 2, 3].map((n) => waiters.wait("q", 60_000).then(() => woken.push(n)));
  waiters.notify("q", 2);
  await Promise.all(parked.slice(0, 2));
  expect(woken).toEqual([1, 2]);
  expect(waiters.count()).toBe(1);
  waiters.notify("other", 5);
  expect(waiters.count()).toBe(1);
  waiters.wakeAll();
  await parked[2];
  expect(waiters.count()).toBe(0);
});

test("after wakeAll, new waits return at once", async () => {
  const waiters = new Waiters();
  waiters.wakeAll();
  await waiters.wait("q", 60_000);
  expect(waiters.count()).toBe(0);
});

test("an aborted waiter leaves at once and takes no wake-up meant for others", async () => {
  const waiters = new Waiters();
  const controller = new AbortController();
  const gone = waiters.wait("q", 60_000, controller.signal);
  let liveWoken = false;
  const live = waiters.wait("q", 60_000).then(() => (liveWoken = true));
  controller.abort();
  await gone;
  expect(waiters.count()).toBe(1);
  waiters.notify("q", 1);
  await live;
  expect(liveWoken).toBe(true);
  expect(waiters.count()).toBe(0);
  await waiters.wait("q", 60_000, controller.signal);
});
