import { describe, expect, test } from "bun:test";
import { expiredLease, failedAttempt, groupEntry } from "./lifecycle-rules.ts";

const settings = { maxAttempts: 3, backoff: { baseMs: 1000, maxMs: 8000, multiplier: 2, jitter: "none" as const } };

describe("message lifecycle rules", () => {
  test("a failed attempt before the last retries after the explicit delay, else after the backoff", () => {
    expect(failedAttempt(1, settings, 250, 10_000)).toEqual({ to: "retry", availableAt: 10_250 });
    expect(failedAttempt(1, settings, null, 10_000)).toEqual({ to: "retry", availableAt: 11_000 });
    expect(failedAttempt(2, settings, null, 10_000)).toEqual({ to: "retry", availableAt: 12_000 });
    expect(failedAttempt(2, settings, 0, 10_000)).toEqual({ to: "retry", availableAt: 10_000 });
  });

  test("the last attempt dead-letters, whatever delay was asked for", () => {
    expect(failedAttempt(3, settings, 250, 10_000)).toEqual({ to: "dead", deadAt: 10_000 });
    expect(failedAttempt(4, settings, null, 10_000)).toEqual({ to: "dead", deadAt: 10_000 });
  });

  test("an expired lease backs off from its expiry", () => {
    expect(expiredLease(1, settings, 5_000)).toEqual({ to: "retry", availableAt: 6_000 });
    expect(expiredLease(3, settings, 5_000)).toEqual({ to: "dead", deadAt: 5_000 });
  });

  test("a grouped message queues behind a live one; an ungrouped one never does", () => {
    expect(groupEntry("g", true)).toBe("queuedInGroup");
    expect(groupEntry("g", false)).toBe("ready");
    expect(groupEntry(null, true)).toBe("ready");
  });
});
