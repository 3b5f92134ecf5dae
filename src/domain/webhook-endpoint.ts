import type { LeasedMessage } from "./message.ts";

// The rules of a delivery queue's endpoint state, shared by both drivers: each driver reads the
// row under its lock, asks these functions what to do, and writes the result back.

/** What the fleet shares about one delivery queue's endpoint (times in epoch ms of the store clock). */
export interface EndpointState {
  queue: string;
  /** Set by a 410 answer; delivery pauses until a PUT of the queue re-enables it. */
  disabledAt: number | null;
  disabledReason: string | null;
  consecutiveFailures: number;
  /** Non-null while the circuit is open (before this time) or half-open (from this time on). */
  circuitOpenUntil: number | null;
  /** While in the future, one worker holds the half-open probe. */
  probeExpiresAt: number | null;
  tokens: number;
  tokensAt: number;
  /** The secret before the last rotation, still signed with until it expires. */
  previousSecret: string | null;
  previousSecretExpiresAt: number | null;
}

export function newEndpointState(queue: string): EndpointState {
  return {
    queue,
    disabledAt: null,
    disabledReason: null,
    consecutiveFailures: 0,
    circuitOpenUntil: null,
    probeExpiresAt: null,
    tokens: 0,
    tokensAt: 0,
    previousSecret: null,
    previousSecretExpiresAt: null,
  };
}

export type CircuitState = "closed" | "open" | "half_open";

export function circuitState(endpoint: EndpointState, now: number): CircuitState {
  if (endpoint.circuitOpenUntil === null) return "closed";
  return endpoint.circuitOpenUntil > now ? "open" : "half_open";
}

export type ClaimBlock = "disabled" | "circuit_open" | "probe_in_flight" | "max_concurrency" | "max_per_second";

export interface DeliveryClaim {
  messages: LeasedMessage[];
  /** This claim is the circuit's half-open probe: its result opens or closes the circuit. */
  probe: boolean;
  /** Why fewer than asked could be claimed because of the endpoint; null when only the backlog limited it. */
  blocked: ClaimBlock | null;
  /** When `blocked` clears by itself (cool-down end, next token); null when a settled lease or a PUT clears it. */
  retryAt: number | null;
}

/** A paused queue's claim: nothing, and nothing about the endpoint (the worker asks again at its idle pace). */
export const PAUSED_CLAIM: DeliveryClaim = { messages: [], probe: false, blocked: null, retryAt: null };

/**
 * The token bucket of maxPerSecond holds at most a tenth of a second's tokens (at least one), so
 * any one-second window sees at most maxPerSecond plus that burst, and a fleet that wakes up at
 * once does not fire a whole second's worth in the same instant.
 */
export function bucketBurst(maxPerSecond: number): number {
  return Math.max(1, Math.ceil(maxPerSecond / 10));
}

export interface ClaimPlan {
  /** How many messages to lease now (0: none). */
  allowed: number;
  probe: boolean;
  blocked: ClaimBlock | null;
  retryAt: number | null;
  /** The state to write back before leasing; tokens are taken by `afterLease`. */
  next: EndpointState;
}

/**
 * What a delivery claim may lease now, given the endpoint state (row locked), how many leases of
 * the queue are unexpired fleet-wide, and the limits. Pure; `afterLease` charges the tokens.
 */
export function planClaim(
  endpoint: EndpointState,
  limits: { maxConcurrency: number; maxPerSecond: number },
  inFlight: number,
  wanted: number,
  visibilityMs: number,
  now: number,
): ClaimPlan {
  const next = { ...endpoint };
  const none = (blocked: ClaimBlock, retryAt: number | null): ClaimPlan => ({
    allowed: 0,
    probe: false,
    blocked,
    retryAt,
    next,
  });
  if (endpoint.disabledAt !== null) return none("disabled", null);
  let probe = false;
  let allowed = wanted;
  let blocked: ClaimBlock | null = null;
  const state = circuitState(endpoint, now);
  if (state === "open") return none("circuit_open", endpoint.circuitOpenUntil);
  if (state === "half_open") {
    if (endpoint.probeExpiresAt !== null && endpoint.probeExpiresAt > now) {
      return none("probe_in_flight", endpoint.probeExpiresAt);
    }
    probe = true;
    allowed = 1;
  }
  const room = limits.maxConcurrency - inFlight;
  if (room <= 0) return none("max_concurrency", null);
  if (room < allowed) {
    allowed = room;
    blocked = "max_concurrency";
  }
  let retryAt: number | null = null;
  if (limits.maxPerSecond > 0) {
    const burst = bucketBurst(limits.maxPerSecond);
    const elapsed = Math.max(0, now - endpoint.tokensAt);
    next.tokens = Math.min(burst, endpoint.tokens + (elapsed * limits.maxPerSecond) / 1000);
    next.tokensAt = now;
    const whole = Math.floor(next.tokens);
    if (whole < allowed) {
      allowed = whole;
      blocked = "max_per_second";
      retryAt = now + Math.ceil(((1 - (next.tokens - whole)) * 1000) / limits.maxPerSecond);
    }
    if (allowed === 0) return { ...none("max_per_second", retryAt), next };
  }
  if (probe) next.probeExpiresAt = now + visibilityMs;
  return { allowed, probe, blocked, retryAt, next };
}

/** Charges the bucket for what was actually leased; a probe that found no message gives its slot back. */
export function afterLease(plan: ClaimPlan, leased: number, maxPerSecond: number): EndpointState {
  const next = { ...plan.next };
  if (maxPerSecond > 0) next.tokens = Math.max(0, next.tokens - leased);
  if (plan.probe && leased === 0) next.probeExpiresAt = null;
  return next;
}

export interface CircuitPolicy {
  /** Consecutive failures that open the circuit. */
  failureThreshold: number;
  cooldownMs: number;
}

export type CircuitChange = "opened" | "closed" | null;

/**
 * One attempt's effect on the circuit: a failure counts, and opens it at the threshold or when
 * the half-open probe fails; any answer that shows the endpoint is up closes it.
 */
export function afterAttempt(
  endpoint: EndpointState,
  circuitFailure: boolean,
  policy: CircuitPolicy,
  now: number,
): { next: EndpointState; change: CircuitChange } {
  const state = circuitState(endpoint, now);
  if (!circuitFailure) {
    const next = { ...endpoint, consecutiveFailures: 0, circuitOpenUntil: null, probeExpiresAt: null };
    return { next, change: state === "closed" ? null : "closed" };
  }
  const failures = endpoint.consecutiveFailures + 1;
  const next = { ...endpoint, consecutiveFailures: failures };
  if (state === "half_open" || (state === "closed" && failures >= policy.failureThreshold)) {
    next.circuitOpenUntil = now + policy.cooldownMs;
    next.probeExpiresAt = null;
    return { next, change: "opened" };
  }
  return { next, change: null };
}

/** One webhook attempt as recorded: the history `GET …/messages/{id}` returns. */
export interface AttemptRecord {
  queue: string;
  messageId: string;
  /** The message's attempt number this send was. */
  attempt: number;
  at: number;
  /** ack, retry, disable, timeout, connection_error or refused_destination. */
  outcome: string;
  status: number | null;
  durationMs: number;
  error: string | null;
  /** The first 1 KiB of the response body. */
  responseExcerpt: string | null;
}
