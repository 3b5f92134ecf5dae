import { expect, test } from "bun:test";
import { Waiters } from "./waiters.ts";

test("notify wakes only as many waiters as the messages need, oldest first", async () => {
  const waiters = new Waiters();
  const woken: number[] = [];
  const parked = [1, 2, 3].map((n) => waiters.wait("q", 60_000, 1).then(() => woken.push(n)));
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
  await waiters.wait("q", 60_000, 1);
  expect(waiters.count()).toBe(0);
});

test("an aborted waiter leaves at once and takes no wake-up meant for others", async () => {
  const waiters = new Waiters();
  const controller = new AbortController();
  const gone = waiters.wait("q", 60_000, 1, controller.signal);
  let liveWoken = false;
  const live = waiters.wait("q", 60_000, 1).then(() => (liveWoken = true));
  controller.abort();
  await gone;
  expect(waiters.count()).toBe(1);
  waiters.notify("q", 1);
  await live;
  expect(liveWoken).toBe(true);
  expect(waiters.count()).toBe(0);
  await waiters.wait("q", 60_000, 1, controller.signal);
});

test("one turn's notifications wake only the receivers whose max covers them", async () => {
  const waiters = new Waiters();
  const woken: number[] = [];
  const parked = [1, 2, 3].map((n) => waiters.wait("q", 60_000, 10).then(() => woken.push(n)));
  // A commit of 12 single publishes: 12 notifications of 1 in one turn.
  for (let i = 0; i < 12; i++) waiters.notify("q", 1);
  await Promise.all(parked.slice(0, 2));
  expect(woken).toEqual([1, 2]);
  expect(waiters.count()).toBe(1);
  // A later turn's message is not covered by receives already sent: it wakes the last receiver.
  await new Promise((resolve) => setImmediate(resolve));
  waiters.notify("q", 1);
  await parked[2];
  expect(woken).toEqual([1, 2, 3]);
});

test("a notification wakes receivers until their max adds up to its count", async () => {
  const waiters = new Waiters();
  const parked = [2, 2, 2, 2].map((max) => waiters.wait("q", 60_000, max));
  waiters.notify("q", 5);
  await Promise.all(parked.slice(0, 3));
  expect(waiters.count()).toBe(1);
  // The room the third receiver has left (one message) covers another notification this turn.
  waiters.notify("q", 1);
  expect(waiters.count()).toBe(1);
  waiters.wakeAll();
  await parked[3];
});
