import { decimal, integer } from "./parsers.ts";
import { spec } from "./setting-spec.ts";

/** The delivery worker (MILLRACE_MODE worker or all): its concurrency, circuit breaker and secret rotation. */
export const WEBHOOK_SETTINGS = {
  webhookConcurrency: spec({
    env: "MILLRACE_WEBHOOK_CONCURRENCY",
    flag: "--webhook-concurrency",
    doc: "webhook sends this process keeps in flight at most, over all queues; each queue's delivery.maxConcurrency also holds fleet-wide",
    defaultText: "64",
    default: () => 64,
    parse: integer(1, 10_000),
  }),
  webhookCircuitFailures: spec({
    env: "MILLRACE_WEBHOOK_CIRCUIT_FAILURES",
    flag: "--webhook-circuit-failures",
    doc: "consecutive failed sends (429, 5xx, timeout, connection error) to one queue's endpoint that open its circuit",
    defaultText: "5",
    default: () => 5,
    parse: integer(1, 1_000_000),
  }),
  webhookCircuitCooldownSeconds: spec({
    env: "MILLRACE_WEBHOOK_CIRCUIT_COOLDOWN_SECONDS",
    flag: "--webhook-circuit-cooldown-seconds",
    doc: "how long an open circuit sends nothing before one half-open probe; decimals allowed",
    unit: "seconds",
    defaultText: "30",
    default: () => 30,
    parse: decimal(0.05, 86_400),
  }),
  webhookSecretOverlapSeconds: spec({
    env: "MILLRACE_WEBHOOK_SECRET_OVERLAP_SECONDS",
    flag: "--webhook-secret-overlap-seconds",
    doc: "after a PUT changes delivery.secret, requests are signed with the old secret too for this long",
    unit: "seconds",
    defaultText: "86400",
    default: () => 86_400,
    parse: integer(0, 30 * 86_400),
  }),
} as const;
