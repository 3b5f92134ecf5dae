import type { QueueSettings } from "../domain/queue-settings.ts";
import type { Store } from "../storage/store.ts";

/**
 * What a PUT of a delivery queue does to its endpoint state: it re-enables an endpoint a 410
 * disabled (and resets its circuit: the operator has looked at it), and when the secret changed
 * it keeps the old one for `overlapMs`, so receivers verifying with either keep accepting.
 */
export async function applyEndpointChanges(
  store: Store,
  queue: string,
  before: QueueSettings | null,
  after: QueueSettings,
  now: number,
  overlapMs: number,
): Promise<void> {
  if (after.delivery === null) return;
  await store.deliveries.enable(queue, now);
  const previous = before?.delivery?.secret ?? null;
  if (previous !== null && previous !== after.delivery.secret && overlapMs > 0) {
    await store.deliveries.keepPreviousSecret(queue, previous, now + overlapMs, now);
  }
}
