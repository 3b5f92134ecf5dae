import { describe, expect, test } from "bun:test";
import { QueueHistory, SampleRing } from "./queue-history.ts";

const stats = (ready: number) => ({ ready, delayed: 0, leased: 0, dead: 0, grouped: 0, oldestReadyAgeSeconds: 0 });
const sample = (at: number) => ({ at, ready: at, delayed: 0, leased: 0, dead: 0, published: 0, acked: 0 });

describe("SampleRing", () => {
  test("keeps the last `capacity` samples, oldest first", () => {
    const ring = new SampleRing(3);
    for (let at = 1; at <= 5; at++) ring.push(sample(at));
    expect(ring.toArray().map((s) => s.at)).toEqual([3, 4, 5]);
    expect(ring.toArray(4).map((s) => s.at)).toEqual([4, 5]);
  });
});

describe("QueueHistory", () => {
  test("bounds samples per queue, age and the number of queues; deltas from running totals", () => {
    const history = new QueueHistory(10_000, 4, 2);
    let published = 0;
    for (let i = 0; i < 6; i++) {
      published += i;
      const rows = ["a", "b", "c"].map((queue) => ({ queue, stats: stats(i) }));
      history.record(i * 1000, rows, () => ({ published, acked: 0 }));
    }
    expect(history.samples("a", 5000).map((s) => s.ready)).toEqual([2, 3, 4, 5]);
    expect(history.samples("a", 5000).map((s) => s.published)).toEqual([2, 3, 4, 5]);
    expect(history.samples("c", 5000)).toEqual([]);
    expect(history.samples("a", 13_500).map((s) => s.at)).toEqual([4000, 5000]);
    // A deleted queue is dropped and frees its place.
    history.record(6000, [{ queue: "c", stats: stats(1) }], () => ({ published: 0, acked: 0 }));
    expect(history.samples("a", 6000)).toEqual([]);
    expect(history.samples("c", 6000).map((s) => s.published)).toEqual([0]);
  });
});
