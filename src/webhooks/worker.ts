import type { LeasedMessage } from "../domain/message.ts";
import type { QueueRecord } from "../domain/records.ts";
import type { EndpointState } from "../domain/webhook-endpoint.ts";
import { errorContext } from "../observability/logger.ts";
import type { Service } from "../services/service.ts";
import { deliverOne, type DeliveryContext } from "./deliver-one.ts";
import { EndpointGauges } from "./endpoint-gauges.ts";

/** How often the worker re-reads which queues have delivery set, and refreshes its gauges. */
const REFRESH_MS = 1000;
/** A queue with nothing to claim is asked again this often (delays and backoffs end unannounced). */
const IDLE_POLL_MS = 250;
/** A queue at its fleet-wide maxConcurrency is asked again this often (other instances' acks are not announced). */
const FULL_POLL_MS = 50;
/** At most this many messages per claim, so one busy queue cannot take every slot in one go. */
const MAX_PER_CLAIM = 64;
/**
 * Free slots the worker waits for before claiming again while sends are in flight: a claim per
 * finished send would cost a store transaction per message; a quarter of the slots (at most 16)
 * keeps the pipe full with a claim per batch.
 */
export function refillBatch(concurrency: number): number {
  return Math.max(1, Math.min(16, Math.floor(concurrency / 4)));
}
/** The lease outlives the send's timeout by this much, so recording and settling fit inside it. */
const LEASE_MARGIN_MS = 10_000;

interface QueueEntry {
  record: QueueRecord;
  endpoint: EndpointState | null;
  nextClaimAt: number;
}

export interface WebhookWorkerOptions extends DeliveryContext {
  /** Sends this process keeps in flight at most, over all queues. */
  concurrency: number;
  /** Names this instance's leases, so shutdown releases exactly them (the broker's instance id). */
  owner: string;
  /** How long `stop` lets in-flight sends finish before aborting them. */
  stopBudgetMs: number;
}

/**
 * The delivery worker (MILLRACE_MODE worker or all): claims messages of every queue with
 * `delivery` set through the store (which enforces the endpoint's fleet-wide limits and circuit),
 * POSTs each, and settles it by the answer. Leases are ordinary leases owned by this instance, so
 * ordering groups, retries, dead-lettering and release at shutdown work as for any consumer.
 */
export class WebhookWorker implements Service {
  readonly name = "webhook-worker";
  private running = false;
  private claiming = false;
  private failure: string | null = null;
  private queues = new Map<string, QueueEntry>();
  private readonly inFlight = new Set<Promise<void>>();
  private readonly abort = new AbortController();
  private wake: (() => void) | null = null;
  private loop: Promise<void> | null = null;
  private unsubscribe: (() => void) | null = null;
  private readonly gauges: EndpointGauges | null;
  private cursor = 0;
  private readonly refill: number;

  constructor(private readonly options: WebhookWorkerOptions) {
    this.refill = refillBatch(options.concurrency);
    this.gauges = options.metrics ? new EndpointGauges(options.metrics) : null;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.claiming = true;
    // A publish anywhere in the fleet makes its queue worth asking at once.
    this.unsubscribe = this.options.store.notifier.subscribe((queue) => this.poke(queue));
    this.loop = this.run();
  }

  /** Stops claiming new messages; sends in flight go on. The first step of shutdown. */
  drain(): void {
    this.claiming = false;
    this.wake?.();
  }

  async stop(): Promise<void> {
    this.claiming = false;
    this.running = false;
    this.wake?.();
    await this.loop;
    const finished = await settledWithin([...this.inFlight], this.options.stopBudgetMs);
    if (!finished) {
      this.options.logger.warn("shutdown: webhook sends still running at the timeout; aborting them", {
        in_flight: this.inFlight.size,
      });
      this.abort.abort();
      await Promise.allSettled([...this.inFlight]);
    }
    this.unsubscribe?.();
    this.options.sender.close();
  }

  isRunning(): boolean {
    return this.running;
  }

  lastError(): string | null {
    return this.failure;
  }

  /** Sends in flight in this process now. */
  sendsInFlight(): number {
    return this.inFlight.size;
  }

  private poke(queue: string): void {
    // Only a delivery queue known here is claimed, so a publish elsewhere wakes nothing: on a
    // broker without webhooks every publish woke the loop for an empty round (measured: 2-3% of
    // the HTTP thread's time under single publishes).
    const entry = this.queues.get(queue);
    if (!entry) return;
    entry.nextClaimAt = 0;
    this.wake?.();
  }

  private async run(): Promise<void> {
    let refreshedAt = -Infinity;
    while (this.claiming) {
      let pause = 0;
      try {
        if (performance.now() - refreshedAt >= REFRESH_MS) {
          await this.refresh();
          refreshedAt = performance.now();
        }
        await this.claimDue();
        this.failure = null;
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        if (message !== this.failure)
          this.options.logger.error("webhook worker failed; it will retry", errorContext(error));
        this.failure = message;
        pause = REFRESH_MS;
      }
      await this.sleep(Math.max(pause, this.untilNextDue(refreshedAt)));
    }
  }

  private async refresh(): Promise<void> {
    const { store } = this.options;
    const [queues, endpoints] = await Promise.all([store.queues.list(), store.deliveries.endpoints()]);
    const states = new Map(endpoints.map((endpoint) => [endpoint.queue, endpoint]));
    const next = new Map<string, QueueEntry>();
    for (const record of queues) {
      if (record.settings.delivery === null) continue;
      next.set(record.name, {
        record,
        endpoint: states.get(record.name) ?? null,
        nextClaimAt: this.queues.get(record.name)?.nextClaimAt ?? 0,
      });
    }
    this.queues = next;
    await this.gauges?.refresh(
      store,
      [...next.values()].map((entry) => entry.record.name),
      states,
      store.now(),
    );
  }

  /** One round over the queues whose turn it is, starting after the one that started last time. */
  private async claimDue(): Promise<void> {
    const entries = [...this.queues.values()];
    if (entries.length === 0) return;
    this.cursor = (this.cursor + 1) % entries.length;
    for (let i = 0; i < entries.length && this.claiming; i++) {
      const entry = entries[(this.cursor + i) % entries.length]!;
      const free = this.options.concurrency - this.inFlight.size;
      if (!this.worthClaiming()) return;
      const now = this.options.clock();
      if (entry.nextClaimAt > now) continue;
      const delivery = entry.record.settings.delivery!;
      const asked = Math.min(free, MAX_PER_CLAIM);
      const claim = await this.options.store.deliveries.claim(
        entry.record.name,
        asked,
        delivery.timeoutSeconds * 1000 + LEASE_MARGIN_MS,
        this.options.owner,
        now,
      );
      for (const message of claim.messages) this.send(entry, message);
      if (claim.messages.length < asked) {
        const poll = claim.blocked === "max_concurrency" ? FULL_POLL_MS : IDLE_POLL_MS;
        entry.nextClaimAt = claim.retryAt ?? now + poll;
      }
    }
  }

  private send(entry: QueueEntry, message: LeasedMessage): void {
    const task = deliverOne(this.options, entry.record, entry.endpoint, message, this.abort.signal)
      .then(
        () => undefined,
        (error: unknown) => {
          // The lease is left to expire (or to the shutdown release): the message is retried.
          this.options.logger.error("webhook delivery failed to settle; the lease will expire and it retries", {
            queue: entry.record.name,
            message_id: message.id,
            ...errorContext(error),
          });
        },
      )
      .finally(() => {
        this.inFlight.delete(task);
        if (!this.worthClaiming()) return;
        // Slots freed here, and perhaps some under the queue's maxConcurrency.
        const current = this.queues.get(entry.record.name);
        if (current) current.nextClaimAt = 0;
        this.wake?.();
      });
    this.inFlight.add(task);
  }

  /** Enough slots are free for a batch, or nothing is in flight (a trickle is still sent at once). */
  private worthClaiming(): boolean {
    const free = this.options.concurrency - this.inFlight.size;
    return free >= this.refill || (free > 0 && this.inFlight.size === 0);
  }

  private untilNextDue(refreshedAt: number): number {
    const now = this.options.clock();
    let due = REFRESH_MS - (performance.now() - refreshedAt);
    if (this.worthClaiming()) {
      for (const entry of this.queues.values()) due = Math.min(due, entry.nextClaimAt - now);
    }
    return Math.max(0, due);
  }

  private sleep(ms: number): Promise<void> {
    if (ms <= 0 || !this.claiming) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wake = () => {
        this.wake = null;
        done();
      };
    });
  }
}

async function settledWithin(tasks: Array<Promise<void>>, ms: number): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), Math.max(0, ms));
  });
  try {
    return await Promise.race([Promise.allSettled(tasks).then(() => true as const), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
