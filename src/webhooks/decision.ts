import type { SendOutcome } from "./sender.ts";

export type DeliveryDecision =
  | { action: "ack" }
  /** 410: delivery for the queue pauses until a PUT re-enables it. */
  | { action: "disable"; reason: string }
  /**
   * delayMs null = the queue's backoff; else min(Retry-After, backoff.maxMs). circuitFailure: the
   * endpoint is down or refusing work (429, 5xx, timeout, connection error, refused destination);
   * other answers (3xx, other 4xx) show it is up, so they only use up the message's attempts.
   */
  | { action: "retry"; delayMs: number | null; reason: string; circuitFailure: boolean };

/** What to do with a message after one delivery attempt. */
export function decide(outcome: SendOutcome, backoffMaxMs: number): DeliveryDecision {
  if (outcome.kind !== "response") {
    return { action: "retry", delayMs: null, reason: `${outcome.kind}: ${outcome.error}`, circuitFailure: true };
  }
  const { status } = outcome;
  if (status >= 200 && status < 300) return { action: "ack" };
  if (status === 410) return { action: "disable", reason: "the endpoint answered 410 Gone" };
  if (status === 429 || status >= 500) {
    const delayMs = outcome.retryAfterMs === null ? null : Math.min(outcome.retryAfterMs, backoffMaxMs);
    const after = outcome.retryAfterMs === null ? "" : ` with Retry-After ${outcome.retryAfterMs} ms`;
    return { action: "retry", delayMs, reason: `the endpoint answered ${status}${after}`, circuitFailure: true };
  }
  // A redirect is a misconfigured URL (it is never followed), not an endpoint in trouble: like a 4xx
  // it retries on the backoff and dead-letters after maxAttempts, without opening the circuit.
  const reason =
    status >= 300 && status < 400
      ? `the endpoint answered ${status}; redirects are not followed, so set delivery.url to the final URL`
      : `the endpoint answered ${status}`;
  return { action: "retry", delayMs: null, reason, circuitFailure: false };
}
