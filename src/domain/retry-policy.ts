export type Jitter = "full" | "none";

export interface BackoffPolicy {
  baseMs: number;
  maxMs: number;
  multiplier: number;
  jitter: Jitter;
}

/**
 * Delay before attempt `attempts + 1`, after `attempts` failed ones (DESIGN §1):
 * `min(maxMs, baseMs * multiplier^(attempts-1))`, then full jitter picks uniformly in [0, cap].
 * `random` is injectable so tests can pin it.
 */
export function backoffDelayMs(policy: BackoffPolicy, attempts: number, random: () => number = Math.random): number {
  const exponent = Math.max(0, attempts - 1);
  const cap = Math.min(policy.maxMs, policy.baseMs * Math.pow(policy.multiplier, exponent));
  const bounded = Number.isFinite(cap) ? cap : policy.maxMs;
  return policy.jitter === "full" ? Math.floor(random() * bounded) : Math.floor(bounded);
}
