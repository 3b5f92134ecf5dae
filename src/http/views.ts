import type { LeasedMessage, MessageRecord } from "../domain/message.ts";
import type { QueueView } from "../broker/broker.ts";
import type { SubscriptionRecord } from "../storage/store.ts";

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
  return {
    name: queue.name,
    settings: {
      ...settings,
      delivery: delivery === null ? null : { ...delivery, secret: "(set)" },
    },
    stats: queue.stats,
    createdAt: iso(queue.createdAt),
    updatedAt: iso(queue.updatedAt),
  };
}

export function leasedMessageView(message: LeasedMessage) {
  return {
    id: message.id,
    receipt: message.receipt,
    ...bodyOf(message),
    headers: headersOf(message.headers),
    priority: message.priority,
    groupId: message.groupId,
    attempts: message.attempts,
    enqueuedAt: iso(message.enqueuedAt),
    leaseExpiresAt: iso(message.leaseExpiresAt),
    lastError: message.lastError,
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
