import type { Logger } from "../observability/logger.ts";
import type { MessageCounters } from "../observability/message-counters.ts";
import { QUEUE_STATES, type Metrics } from "../observability/metrics.ts";
import type { QueueStats } from "../domain/message.ts";
import type { QueueHistory } from "../observability/queue-history.ts";
import type { Store } from "../storage/store.ts";
import { PeriodicService, type Service } from "./service.ts";

/**
 * Refreshes the per-queue gauges from one grouped stats query, so a scrape reads memory and
 * costs the same for 10 or 10,000 queues. It also moves the store's transition counts
 * (expired leases, dead-lettered messages) into their counters, and drops the series of
 * queues that no longer exist.
 *
 * The gauges describe the shared database, not this instance, so only the instance holding the
 * store's leadership exports them: a fleet of three would otherwise show every backlog three
 * times to a `sum`. The others drop theirs; the counters stay per instance, as they count what
 * each instance did.
 */
export class StatsRefresher {
  /** What the gauges hold now, per queue; only changes are written (setting a labelled gauge hashes its labels). */
  private known = new Map<string, QueueStats>();
  private knownLimits = new Map<string, number>();
  private knownPaused = new Map<string, number>();

  constructor(
    private readonly store: Store,
    private readonly metrics: Metrics,
    private readonly counters: MessageCounters,
    private readonly clock: () => number = () => store.now(),
    private readonly history: QueueHistory | null = null,
  ) {}

  async refresh(): Promise<void> {
    const started = performance.now();
    for (const t of await this.store.maintenance.takeTransitionCounts()) {
      this.counters.messages("expired", t.queue, t.expired);
      this.counters.messages("dead_lettered", t.queue, t.deadLettered);
    }
    if (!(await this.store.holdsLeadership())) {
      this.forgetGauges();
      // Every instance keeps its own history (its console may be the one asked), leader or not.
      if (this.history) this.recordHistory(await this.store.queues.statsAll(this.clock()));
      return;
    }
    const [rows, queues] = await Promise.all([this.store.queues.statsAll(this.clock()), this.store.queues.list()]);
    this.recordHistory(rows);
    const { queueMessages, queueOldestReadyAge, queueMaxMessages, queuePaused } = this.metrics;
    // The "near maxMessages" alert divides the backlog by this gauge.
    const limits = new Map(queues.map((queue) => [queue.name, queue.settings.maxMessages]));
    for (const [queue, limit] of limits) {
      if (this.knownLimits.get(queue) !== limit) queueMaxMessages.set({ queue }, limit);
    }
    for (const queue of this.knownLimits.keys()) if (!limits.has(queue)) queueMaxMessages.remove({ queue });
    this.knownLimits = limits;
    const paused = new Map(queues.map((queue) => [queue.name, queue.pausedAt === null ? 0 : 1]));
    for (const [queue, value] of paused) {
      if (this.knownPaused.get(queue) !== value) queuePaused.set({ queue }, value);
    }
    for (const queue of this.knownPaused.keys()) if (!paused.has(queue)) queuePaused.remove({ queue });
    this.knownPaused = paused;
    const current = new Map<string, QueueStats>();
    for (const { queue, stats } of rows) {
      current.set(queue, stats);
      const previous = this.known.get(queue);
      for (const state of QUEUE_STATES) {
        if (previous?.[state] !== stats[state]) queueMessages.set({ queue, state }, stats[state]);
      }
      if (previous?.oldestReadyAgeSeconds !== stats.oldestReadyAgeSeconds) {
        queueOldestReadyAge.set({ queue }, stats.oldestReadyAgeSeconds);
      }
    }
    for (const queue of this.known.keys()) {
      if (current.has(queue)) continue;
      this.removeQueueGauges(queue);
      this.counters.forget(queue);
    }
    this.known = current;
    this.metrics.statsRefreshDuration.set((performance.now() - started) / 1000);
  }

  private recordHistory(rows: readonly { queue: string; stats: QueueStats }[]): void {
    this.history?.record(Date.now(), rows, (queue) => ({
      published: this.counters.total("published", queue),
      acked: this.counters.total("acked", queue),
    }));
  }

  private removeQueueGauges(queue: string): void {
    for (const state of QUEUE_STATES) this.metrics.queueMessages.remove({ queue, state });
    this.metrics.queueOldestReadyAge.remove({ queue });
  }

  /** Another instance leads (and exports the gauges) now. */
  private forgetGauges(): void {
    for (const queue of this.known.keys()) this.removeQueueGauges(queue);
    for (const queue of this.knownLimits.keys()) this.metrics.queueMaxMessages.remove({ queue });
    for (const queue of this.knownPaused.keys()) this.metrics.queuePaused.remove({ queue });
    this.known = new Map();
    this.knownLimits = new Map();
    this.knownPaused = new Map();
  }

  /** As a background service: first run right away, then every `intervalMs`. */
  service(intervalMs: number, logger: Logger): Service {
    return new PeriodicService("stats-refresher", intervalMs, () => this.refresh(), logger, 0);
  }
}
