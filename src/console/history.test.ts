import { expect, test } from "bun:test";
import { adopt, history, rates, record } from "./history.ts";

const stats = (ready: number) => ({ ready, delayed: 1, leased: 2, dead: 3, grouped: 0, oldestReadyAgeSeconds: 0 });

test("keeps the latest samples per queue, bounded", () => {
  for (let i = 0; i < 1000; i++) record("h1", stats(i), i);
  const kept = history("h1");
  expect(kept.length).toBe(900);
  expect(kept.at(-1)).toEqual({ at: 999, ready: 1000, leased: 2, dead: 3 });
  expect(kept[0]!.at).toBe(100);
  expect(history("other")).toEqual([]);
});

test("adopts the server's history and turns its deltas into rates", () => {
  const server = {
    intervalSeconds: 5,
    samples: [
      { at: "2026-01-01T00:00:00.000Z", ready: 4, delayed: 1, leased: 2, dead: 0, published: 10, acked: 5 },
      { at: "2026-01-01T00:00:05.000Z", ready: 3, delayed: 0, leased: 1, dead: 1, published: 0, acked: 20 },
    ],
  };
  record("h2", stats(9), Date.parse("2026-01-01T00:00:01.000Z"));
  record("h2", stats(7), Date.parse("2026-01-01T00:00:09.000Z"));
  adopt("h2", server);
  expect(history("h2")).toEqual([
    { at: Date.parse(server.samples[0]!.at), ready: 5, leased: 2, dead: 0 },
    { at: Date.parse(server.samples[1]!.at), ready: 3, leased: 1, dead: 1 },
    { at: Date.parse("2026-01-01T00:00:09.000Z"), ready: 8, leased: 2, dead: 3 },
  ]);
  expect(rates(server).map((r) => [r.published, r.acked])).toEqual([
    [2, 1],
    [0, 4],
  ]);
  adopt("h2", { intervalSeconds: 5, samples: [] });
  expect(history("h2")).toHaveLength(3);
});
