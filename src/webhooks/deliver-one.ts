import type { Tracer } from "@opentelemetry/api";
import type { Broker } from "../broker/broker.ts";
import type { LeasedMessage } from "../domain/message.ts";
import type { QueueRecord } from "../domain/records.ts";
import type { AttemptRecord, CircuitChange, CircuitPolicy, EndpointState } from "../domain/webhook-endpoint.ts";
import type { Logger } from "../observability/logger.ts";
import type { Metrics } from "../observability/metrics.ts";
import type { Store } from "../storage/store.ts";
import { attemptTrace, type AttemptTrace } from "./attempt-span.ts";
import { decide } from "./decision.ts";
import { envelope } from "./envelope.ts";
import { outcomeLabel } from "./outcome-label.ts";
import type { WebhookSender } from "./sender.ts";

export interface DeliveryContext {
  store: Store;
  broker: Broker;
  sender: WebhookSender;
  logger: Logger;
  metrics: Metrics | null;
  circuit: CircuitPolicy;
  clock: () => number;
  /** Set when tracing is on: each attempt gets a span in the message's trace. */
  tracer?: Tracer | null;
}

/** The secrets to sign with: the current one, then the one a rotation replaced while its overlap lasts. */
export function signingSecrets(current: string, endpoint: EndpointState | null, now: number): string[] {
  const previous = endpoint?.previousSecret ?? null;
  const until = endpoint?.previousSecretExpiresAt ?? 0;
  return previous !== null && previous !== current && until > now ? [current, previous] : [current];
}

/**
 * One attempt: POST the envelope, record the attempt and its effect on the circuit, then settle
 * the lease as W1's decision says. Returns false when `signal` aborted the send (shutdown): the
 * lease is left for the broker to release.
 */
export async function deliverOne(
  ctx: DeliveryContext,
  queue: QueueRecord,
  endpoint: EndpointState | null,
  message: LeasedMessage,
  signal: AbortSignal,
): Promise<boolean> {
  const delivery = queue.settings.delivery;
  if (!delivery) {
    // Delivery was switched off after the claim: give the message back untouched.
    await ctx.store.messages.returnUndelivered(queue.name, [message.receipt], ctx.clock());
    return true;
  }
  const startedAt = ctx.clock();
  const traced = attemptTrace(ctx.tracer ?? null, queue.name, delivery.url, message);
  try {
    return await traced.run(() => attempt(ctx, queue, delivery, endpoint, message, signal, startedAt, traced));
  } finally {
    traced.end();
  }
}

async function attempt(
  ctx: DeliveryContext,
  queue: QueueRecord,
  delivery: NonNullable<QueueRecord["settings"]["delivery"]>,
  endpoint: EndpointState | null,
  message: LeasedMessage,
  signal: AbortSignal,
  startedAt: number,
  traced: AttemptTrace,
): Promise<boolean> {
  const outcome = await ctx.sender.send(
    {
      url: delivery.url,
      messageId: message.id,
      body: envelope(queue.name, message),
      secrets: signingSecrets(delivery.secret, endpoint, startedAt),
      timeoutMs: delivery.timeoutSeconds * 1000,
      headers: { ...traced.headers, "x-millrace-queue": queue.name, "x-millrace-attempt": String(message.attempts) },
    },
    signal,
  );
  if (signal.aborted) return false;
  traced.record(outcome);
  const decision = decide(outcome, queue.settings.backoff.maxMs);
  const label = outcomeLabel(outcome);
  ctx.metrics?.webhookRequests.inc({ queue: queue.name, outcome: label });
  ctx.metrics?.webhookDuration.observe({ queue: queue.name }, outcome.durationMs / 1000);
  const attempt: AttemptRecord = {
    queue: queue.name,
    messageId: message.id,
    attempt: message.attempts,
    at: startedAt,
    outcome: label,
    status: outcome.kind === "response" ? outcome.status : null,
    durationMs: outcome.durationMs,
    error: decision.action === "ack" ? null : outcome.kind === "response" ? decision.reason : outcome.error,
    responseExcerpt: outcome.kind === "response" ? outcome.responseExcerpt : null,
  };
  if (decision.action === "disable") {
    const now = ctx.clock();
    logCircuitChange(ctx, queue.name, label, await ctx.store.deliveries.record(attempt, false, ctx.circuit, now));
    await ctx.store.deliveries.disable(queue.name, decision.reason, now);
    // The message waits for the endpoint to be re-enabled; this attempt does not count against it.
    await ctx.store.messages.returnUndelivered(queue.name, [message.receipt], now);
    ctx.logger.warn("webhook endpoint disabled by a 410 answer; a PUT of the queue re-enables it", {
      queue: queue.name,
      url: delivery.url,
    });
    return true;
  }
  // The attempt, the circuit and the ack or nack in one store call, which PostgreSQL shares
  // with the other sends of the queue finishing meanwhile.
  const [settled] = await ctx.broker.settleDeliveries(
    queue.name,
    [
      {
        attempt,
        circuitFailure: decision.action === "retry" && decision.circuitFailure,
        receipt: message.receipt,
        settlement:
          decision.action === "ack"
            ? { action: "ack" }
            : { action: "retry", delayMs: decision.delayMs, error: decision.reason.slice(0, 1000) },
      },
    ],
    ctx.circuit,
  );
  logCircuitChange(ctx, queue.name, label, settled?.change ?? null);
  return true;
}

function logCircuitChange(ctx: DeliveryContext, queue: string, label: string, change: CircuitChange): void {
  if (change === "opened") {
    ctx.logger.warn("webhook circuit opened: delivery to this endpoint pauses for the cool-down", {
      queue,
      cooldown_ms: ctx.circuit.cooldownMs,
      last_outcome: label,
    });
  } else if (change === "closed") {
    ctx.logger.info("webhook circuit closed: the endpoint answers again", { queue });
  }
}
