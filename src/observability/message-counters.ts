import type { BrokerObserver } from "../broker/observer.ts";
import { MESSAGE_EVENTS, type MessageEvent, type Metrics } from "./metrics.ts";
import type { CounterChild } from "./request-metrics.ts";

/**
 * The per-queue message counters, fed by the broker on the request path. Children are cached
 * per queue so an increment is a map lookup, not a label hash; `forget` drops a deleted queue's
 * series so label cardinality follows the live queues.
 */
export class MessageCounters implements BrokerObserver {
  private readonly children = new Map<MessageEvent, Map<string, CounterChild>>(
    MESSAGE_EVENTS.map((event) => [event, new Map()]),
  );

  /** Running totals per queue, for the in-memory history (prom-client's children are costly to read). */
  private readonly totals = new Map<MessageEvent, Map<string, number>>(
    MESSAGE_EVENTS.map((event) => [event, new Map()]),
  );

  constructor(private readonly metrics: Metrics) {}

  total(event: MessageEvent, queue: string): number {
    return this.totals.get(event)!.get(queue) ?? 0;
  }

  messages(event: MessageEvent, queue: string, count: number): void {
    if (count <= 0) return;
    const byQueue = this.children.get(event)!;
    let child = byQueue.get(queue);
    if (!child) {
      child = this.metrics.messages[event].labels(queue);
      byQueue.set(queue, child);
    }
    child.inc(count);
    const totals = this.totals.get(event)!;
    totals.set(queue, (totals.get(queue) ?? 0) + count);
  }

  forget(queue: string): void {
    for (const event of MESSAGE_EVENTS) {
      this.totals.get(event)!.delete(queue);
      if (this.children.get(event)!.delete(queue)) this.metrics.messages[event].remove(queue);
    }
  }
}
