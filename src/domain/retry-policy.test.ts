import { describe, expect, test } from "bun:test";
import { backoffDelayMs, type BackoffPolicy } from "./retry-policy.ts";

const policy: BackoffPolicy = { baseMs: 1000, maxMs: 60000, multiplier: 2, jitter: "none" };

describe("backoffDelayMs", () => {
  test("grows geometrically from baseMs", () => {
    expect([1, 2, 3, 4].map((a) => backoffDelayMs(policy, a))).toEqual([1000, 2000, 4000, 8000]);
  });

  test("is capped at maxMs, even for huge attempt counts", () => {
    expect(backoffDelayMs(policy, 7)).toBe(60000);
    expect(backoffDelayMs(policy, 5000)).toBe(60000);
  });

  test("treats attempt 0 like attempt 1", () => {
    expect(backoffDelayMs(policy, 0)).toBe(1000);
  });

  test("full jitter picks within [0, cap]", () => {
    const jittered = { ...policy, jitter: "full" as const };
    expect(backoffDelayMs(jittered, 3, () => 0)).toBe(0);
    expect(backoffDelayMs(jittered, 3, () => 0.5)).toBe(2000);
    expect(backoffDelayMs(jittered, 3, () => 0.999999)).toBe(3999);
  });
});
