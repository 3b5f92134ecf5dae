import type { LeasedMessage, MessageRecord } from "../domain/message.ts";
import type { QueueView } from "../broker/broker.ts";
import type { SubscriptionRecord, TopicRecord } from "../domain/records.ts";
import { circuitState, type AttemptRecord, type EndpointState } from "../domain/webhook-endpoint.ts";

// Domain objects as the v1 API shows them: ISO times, bodies decoded, secrets never echoed.

function iso(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}

/** `body` as its JSON value, or `bodyBase64` for bytes. */
function bodyOf(message: { body: string; bodyIsBinary: boolean }): { body: unknown } | { bodyBase64: string } {
  return message.bodyIsBinary ? { bodyBase64: message.body } : { body: JSON.parse(message.body) as unknown };
}

function headersOf(headers: string | null): Record<string, string> {
  return headers === null ? {} : (JSON.parse(headers) as Record<string, string>);
}

export function queueView(queue: QueueView) {
  const { delivery, ...settings } = queue.settings;
  // SQS-only attributes are shown by the SQS listener, not here.
  delete settings.sqs;
  return {
    name: queue.name,
    settings: {
      ...settings,
      delivery: delivery === null ? null : { ...delivery, secret: "(set)" },
    },
    stats: queue.stats,
    paused: queue.pausedAt !== null,
    pausedAt: iso(queue.pausedAt),
    deliveryState: delivery === null ? null : deliveryStateView(queue.endpoint, Date.now()),
    createdAt: iso(queue.createdAt),
    updatedAt: iso(queue.updatedAt),
  };
}

/** Whether the worker sends to the queue's endpoint now, and why not. */
function deliveryStateView(endpoint: EndpointState | null, now: number) {
  const disabled = endpoint?.disabledAt != null;
  return {
    status: disabled ? ("disabled" as const) : ("enabled" as const),
    disabledAt: iso(endpoint?.disabledAt ?? null),
    disabledReason: endpoint?.disabledReason ?? null,
    circuit: {
      state: endpoint ? circuitState(endpoint, now) : ("closed" as const),
      consecutiveFailures: endpoint?.consecutiveFailures ?? 0,
      openUntil: iso(endpoint?.circuitOpenUntil ?? null),
    },
    previousSecretUntil: iso(
      endpoint?.previousSecret != null && (endpoint.previousSecretExpiresAt ?? 0) > now
        ? endpoint.previousSecretExpiresAt
        : null,
    ),
  };
}

export function deliveryAttemptView(attempt: AttemptRecord) {
  return {
    attempt: attempt.attempt,
    at: iso(attempt.at),
    outcome: attempt.outcome,
    status: attempt.status,
    durationMs: attempt.durationMs,
    error: attempt.error,
    response: attempt.responseExcerpt,
  };
}

/**
 * The receive response as JSON text. Bodies and headers are stored as JSON text already, so they
 * are spliced in as they are instead of being parsed and serialised again for every delivery.
 * The messages of one receive share their lease expiry, and those published together their
 * enqueue time, so each distinct time is formatted once.
 */
export function leasedMessagesJson(messages: LeasedMessage[]): string {
  const enqueuedIso = lastIso();
  const leaseIso = lastIso();
  const items = messages.map(
    (m) =>
      `{"id":${JSON.stringify(m.id)},"receipt":${JSON.stringify(m.receipt)},` +
      (m.bodyIsBinary ? `"bodyBase64":${JSON.stringify(m.body)}` : `"body":${m.body}`) +
      `,"headers":${m.headers ?? "{}"},"priority":${m.priority},"groupId":${JSON.stringify(m.groupId)}` +
      `,"attempts":${m.attempts},"enqueuedAt":"${enqueuedIso(m.enqueuedAt)}"` +
      `,"leaseExpiresAt":"${leaseIso(m.leaseExpiresAt)}","lastError":${JSON.stringify(m.lastError)}}`,
  );
  return `{"messages":[${items.join(",")}]}`;
}

/** toISOString that remembers the last time it formatted. */
function lastIso(): (ms: number) => string {
  let lastMs = NaN;
  let lastText = "";
  return (ms) => {
    if (ms !== lastMs) {
      lastMs = ms;
      lastText = new Date(ms).toISOString();
    }
    return lastText;
  };
}

export function messageRecordView(message: MessageRecord) {
  return {
    id: message.id,
    queue: message.queue,
    state: message.state,
    ...bodyOf(message),
    headers: headersOf(message.headers),
    priority: message.priority,
    groupId: message.groupId,
    dedupId: message.dedupId,
    attempts: message.attempts,
    enqueuedAt: iso(message.enqueuedAt),
    availableAt: iso(message.availableAt),
    leaseExpiresAt: iso(message.leaseExpiresAt),
    deadAt: iso(message.deadAt),
    lastError: message.lastError,
  };
}

export function subscriptionView(subscription: SubscriptionRecord) {
  return { ...subscription, createdAt: iso(subscription.createdAt) };
}

export function topicView(topic: TopicRecord) {
  return { name: topic.name, createdAt: iso(topic.createdAt) };
}
