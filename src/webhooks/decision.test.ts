import { describe, expect, test } from "bun:test";
import { decide } from "./decision.ts";
import type { SendOutcome } from "./sender.ts";

const MAX = 60_000;
const response = (status: number, retryAfterMs: number | null = null): SendOutcome => ({
  kind: "response",
  status,
  durationMs: 5,
  responseExcerpt: "",
  retryAfterMs,
});
const failure = (kind: "timeout" | "connection_error" | "refused_destination", error: string): SendOutcome => ({
  kind,
  durationMs: 5,
  error,
});

describe("delivery decisions", () => {
  test.each([200, 201, 202, 204, 299])("%i acks", (status) => {
    expect(decide(response(status), MAX)).toEqual({ action: "ack" });
  });

  test("410 disables the endpoint", () => {
    expect(decide(response(410), MAX)).toEqual({ action: "disable", reason: "the endpoint answered 410 Gone" });
  });

  test.each([429, 500, 502, 503, 504, 599])("%i retries on the backoff and counts toward the circuit", (status) => {
    expect(decide(response(status), MAX)).toEqual({
      action: "retry",
      delayMs: null,
      reason: `the endpoint answered ${status}`,
      circuitFailure: true,
    });
  });

  test("Retry-After sets the delay, capped by the backoff's maxMs", () => {
    expect(decide(response(429, 5000), MAX)).toMatchObject({ action: "retry", delayMs: 5000, circuitFailure: true });
    expect(decide(response(503, 0), MAX)).toMatchObject({ delayMs: 0 });
    expect(decide(response(429, 3_600_000), MAX)).toMatchObject({
      delayMs: MAX,
      reason: "the endpoint answered 429 with Retry-After 3600000 ms",
    });
  });

  test.each([
    failure("timeout", "no response within 10000 ms"),
    failure("connection_error", "ECONNREFUSED"),
    failure("refused_destination", "10.0.0.1 (private)"),
  ])("$kind retries on the backoff and counts toward the circuit", (outcome) => {
    expect(decide(outcome, MAX)).toEqual({
      action: "retry",
      delayMs: null,
      reason: `${outcome.kind}: ${"error" in outcome ? outcome.error : ""}`,
      circuitFailure: true,
    });
  });

  test.each([400, 401, 403, 404, 409, 413, 422, 499])("%i retries without touching the circuit", (status) => {
    expect(decide(response(status, 1000), MAX)).toEqual({
      action: "retry",
      delayMs: null,
      reason: `the endpoint answered ${status}`,
      circuitFailure: false,
    });
  });

  test.each([301, 302, 307, 308])(
    "%i (a redirect, not followed) is like another 4xx, and says how to fix it",
    (status) => {
      expect(decide(response(status), MAX)).toMatchObject({ action: "retry", delayMs: null, circuitFailure: false });
      expect(decide(response(status), MAX)).toMatchObject({ reason: expect.stringContaining("delivery.url") });
    },
  );
});
