import type { QueueSettings } from "./queue-settings.ts";
import { backoffDelayMs } from "./retry-policy.ts";

// The message state machine's decisions, written once for every driver. Each driver owns the SQL
// that carries a decision out; none of them decides on its own what a failed attempt or an
// expired lease leads to.

/** The error stored on a message whose lease ran out before an ack or nack. */
export const LEASE_EXPIRED_ERROR = "lease expired before the consumer acked or nacked it";

/** The error stored on a message whose lease its broker instance gave back as it shut down. */
export const OWNER_SHUT_DOWN_ERROR = "the broker instance holding the lease shut down before it was acked";

/** Where one failed attempt leaves the message. */
export type FailedAttempt =
  /** Attempts are exhausted: dead as of `deadAt`; its ordering group may let the next one in. */
  | { to: "dead"; deadAt: number }
  /** Ready again at `availableAt`, after the explicit delay or the queue's backoff. */
  | { to: "retry"; availableAt: number };

/**
 * One failed attempt (a nack, an expired lease, a released one), as of `failedAt`: after
 * `attempts` attempts the message dead-letters when they reach `maxAttempts`, otherwise it is
 * ready again after `delayMs`, or after the queue's backoff when that is null.
 */
export function failedAttempt(
  attempts: number,
  settings: Pick<QueueSettings, "maxAttempts" | "backoff">,
  delayMs: number | null,
  failedAt: number,
): FailedAttempt {
  if (attempts >= settings.maxAttempts) return { to: "dead", deadAt: failedAt };
  return { to: "retry", availableAt: failedAt + (delayMs ?? backoffDelayMs(settings.backoff, attempts)) };
}

/**
 * An expired lease is a failed attempt as of its expiry, not as of when it was noticed, so the
 * backoff runs from when the consumer's time was up.
 */
export function expiredLease(
  attempts: number,
  settings: Pick<QueueSettings, "maxAttempts" | "backoff">,
  leaseExpiresAt: number,
): FailedAttempt {
  return failedAttempt(attempts, settings, null, leaseExpiresAt);
}

/**
 * A message joining an ordering group is ready only when no earlier message of the group is still
 * live (ready, backing off, leased or queued); otherwise it queues behind them.
 */
export function groupEntry(groupId: string | null, groupHasLiveMessage: boolean): "ready" | "queuedInGroup" {
  return groupId !== null && groupHasLiveMessage ? "queuedInGroup" : "ready";
}
