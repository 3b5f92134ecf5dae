import { circuitState, type EndpointState } from "../domain/webhook-endpoint.ts";
import type { Metrics } from "../observability/metrics.ts";
import type { Store } from "../storage/store.ts";

const CIRCUIT_VALUE = { closed: 0, half_open: 1, open: 2 } as const;

/**
 * Per delivery queue: circuit state, disabled, and delivery lag (age of the oldest message not
 * yet acked or dead). Every worker of a fleet reports the same shared state; alerts take max().
 */
export class EndpointGauges {
  private known = new Set<string>();

  constructor(private readonly metrics: Metrics) {}

  async refresh(store: Store, queues: string[], endpoints: Map<string, EndpointState>, now: number): Promise<void> {
    const { webhookCircuitState, webhookEndpointDisabled, webhookDeliveryLag } = this.metrics;
    const oldest = await store.deliveries.oldestUndelivered(queues);
    for (const { queue, enqueuedAt } of oldest) {
      const endpoint = endpoints.get(queue);
      webhookCircuitState.set({ queue }, endpoint ? CIRCUIT_VALUE[circuitState(endpoint, now)] : 0);
      webhookEndpointDisabled.set({ queue }, endpoint?.disabledAt != null ? 1 : 0);
      webhookDeliveryLag.set({ queue }, enqueuedAt === null ? 0 : Math.max(0, (now - enqueuedAt) / 1000));
    }
    const current = new Set(queues);
    for (const queue of this.known) {
      if (current.has(queue)) continue;
      webhookCircuitState.remove({ queue });
      webhookEndpointDisabled.remove({ queue });
      webhookDeliveryLag.remove({ queue });
    }
    this.known = current;
  }
}
