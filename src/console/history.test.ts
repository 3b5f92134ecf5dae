import { expect, test } from "bun:test";
import { history, record } from "./history.ts";

const stats = (ready: number) => ({ ready, delayed: 1, leased: 2, dead: 3, grouped: 0, oldestReadyAgeSeconds: 0 });

test("keeps the latest samples per queue, bounded", () => {
  for (let i = 0; i < 500; i++) record("h1", stats(i), i);
  const kept = history("h1");
  expect(kept.length).toBe(180);
  expect(kept.at(-1)).toEqual({ at: 499, ready: 500, leased: 2, dead: 3 });
  expect(kept[0]!.at).toBe(320);
  expect(history("other")).toEqual([]);
});
