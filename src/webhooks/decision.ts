// PLACEHOLDER: replaced by W1's module at merge (same exports as WEBHOOKS.md).
import type { SendOutcome } from "./sender.ts";

export type DeliveryDecision =
  | { action: "ack" }
  | { action: "disable"; reason: string }
  | { action: "retry"; delayMs: number | null; reason: string; circuitFailure: boolean };

export function decide(outcome: SendOutcome, backoffMaxMs: number): DeliveryDecision {
  if (outcome.kind !== "response") {
    return { action: "retry", delayMs: null, reason: `${outcome.kind}: ${outcome.error}`, circuitFailure: true };
  }
  const { status } = outcome;
  if (status >= 200 && status < 300) return { action: "ack" };
  if (status === 410) return { action: "disable", reason: "the endpoint answered 410 Gone" };
  const circuitFailure = status === 429 || status >= 500;
  const delayMs = circuitFailure && outcome.retryAfterMs !== null ? Math.min(outcome.retryAfterMs, backoffMaxMs) : null;
  return { action: "retry", delayMs, reason: `the endpoint answered ${status}`, circuitFailure };
}
