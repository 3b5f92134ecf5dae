import { randomUUID } from "node:crypto";
import { messageNotFound, queueNotFound, subscriptionNotFound, topicNotFound } from "../domain/errors.ts";
import { pageByName, type NamePage } from "../domain/paging.ts";
import { assertStorableText } from "../domain/stored-text.ts";
import type { LeaseOutcome, LeasedMessage, MessageRecord, PublishResult, QueueStats } from "../domain/message.ts";
import { assertName } from "../domain/names.ts";
import type { BrowsePage, BrowsePosition, BrowseState } from "../domain/browse.ts";
import type { QueueSettingsPatch } from "../domain/queue-settings.ts";
import { isWellFormedReceipt } from "../domain/receipt.ts";
import type {
  DeadLetterPage,
  FanOutResult,
  HeaderFilter,
  QueueRecord,
  SubscriptionRecord,
  TopicRecord,
  WriteHealth,
} from "../domain/records.ts";
import type { SettleItem, SettleResult, Store } from "../storage/store.ts";
import type { AttemptRecord, CircuitPolicy, EndpointState } from "../domain/webhook-endpoint.ts";
import { applyEndpointChanges } from "./endpoint-changes.ts";
import { toNewMessage, type MessageInput } from "./message-input.ts";
import { NO_OBSERVER, type BrokerObserver } from "./observer.ts";
import type { MessagingSpans } from "../observability/tracing/messaging-spans.ts";
import { Waiters } from "./waiters.ts";

/**
 * While a long-poll waits, it re-checks this often even without a publish, so that messages
 * whose delay or backoff ends, or whose lease expires, reach a waiting receiver promptly.
 */
const LONG_POLL_RECHECK_MS = 500;

export interface ReceiveRequest {
  max: number;
  visibilityTimeoutSeconds?: number;
  waitSeconds: number;
}

/** What health checks may ask of the database, so that no route reaches the store itself. */
export interface DatabaseProbe {
  readonly driver: Store["dialect"];
  ping(): Promise<void>;
  writeHealth(): Promise<WriteHealth>;
  holdsLeadership(): Promise<boolean>;
}

/** `endpoint` is the webhook endpoint's state, null for a queue without delivery or never delivered to. */
export type QueueView = QueueRecord & { stats: QueueStats; endpoint: EndpointState | null };

/** The most delivery attempts `GET …/messages/{id}` shows, oldest first. */
const ATTEMPTS_SHOWN = 1000;

export interface BrokerOptions {
  /** How long a rotated-out webhook secret still signs (MILLRACE_WEBHOOK_SECRET_OVERLAP_SECONDS). */
  secretOverlapMs?: number;
  /** The messaging spans when tracing is on; absent, no span is made and no context added. */
  spans?: MessagingSpans | null;
}

/** The broker's use-cases over a store. HTTP handlers and the CLI call these; nothing here sees SQL. */
export class Broker {
  /**
   * Names the leases this broker takes, so that at shutdown it gives back exactly its own: with
   * several instances on one database, another instance's consumers keep theirs.
   */
  readonly instanceId = randomUUID();
  readonly database: DatabaseProbe;
  private readonly waiters = new Waiters();
  private draining = false;

  private readonly unsubscribe: () => void;
  private readonly spans: MessagingSpans | null;

  constructor(
    readonly store: Store,
    /** The store's clock unless a test moves time itself. */
    private readonly clock: () => number = () => store.now(),
    private readonly observer: BrokerObserver = NO_OBSERVER,
    private readonly options: BrokerOptions = {},
  ) {
    this.spans = options.spans ?? null;
    this.database = {
      driver: store.dialect,
      ping: () => store.ping(),
      writeHealth: () => store.writeHealth(),
      holdsLeadership: () => store.holdsLeadership(),
    };
    // Wake-ups come through the store, so a publish on another instance wakes receivers here.
    this.unsubscribe = store.notifier.subscribe((queue, count) => this.waiters.notify(queue, count));
  }

  /** True when the broker's spans give messages their trace context itself. */
  get tracesMessages(): boolean {
    return this.spans !== null;
  }

  // Queues

  async putQueue(name: string, patch: QueueSettingsPatch): Promise<{ queue: QueueView; created: boolean }> {
    assertName("queue", name);
    const before = patch.delivery === undefined ? null : await this.store.queues.get(name);
    const now = this.clock();
    const { queue, created } = await this.store.queues.put(name, patch, now);
    if (patch.delivery !== undefined) {
      const overlapMs = this.options.secretOverlapMs ?? 86_400_000;
      await applyEndpointChanges(this.store, name, before?.settings ?? null, queue.settings, now, overlapMs);
    }
    return { queue: await this.withStats(queue), created };
  }

  async getQueue(name: string): Promise<QueueView> {
    const queue = await this.store.queues.get(name);
    if (!queue) throw queueNotFound(name);
    return this.withStats(queue);
  }

  /** One page of the queues `visible` allows, by name after `after`; stats only for that page. */
  async listQueues(
    after: string | null,
    limit: number,
    visible: (name: string) => boolean,
  ): Promise<NamePage<QueueView>> {
    const page = pageByName(await this.store.queues.list(), after, limit, visible);
    return { items: await Promise.all(page.items.map((queue) => this.withStats(queue))), nextCursor: page.nextCursor };
  }

  /** Every queue's record, without stats: for scans that read settings only. */
  queueRecords(): Promise<QueueRecord[]> {
    return this.store.queues.list();
  }

  async deleteQueue(name: string): Promise<void> {
    if (!(await this.store.queues.delete(name))) throw queueNotFound(name);
  }

  /** Pauses or resumes receives and webhook delivery of the queue; publishes go on either way. */
  async setPaused(name: string, paused: boolean): Promise<QueueView> {
    const queue = await this.store.queues.setPaused(name, paused, this.clock());
    // Receivers waiting on a resumed queue may take what piled up meanwhile.
    if (!paused) this.store.notifier.notify(name, 1);
    return this.withStats(queue);
  }

  purgeQueue(name: string): Promise<number> {
    return this.store.queues.purge(name);
  }

  private async withStats(queue: QueueRecord): Promise<QueueView> {
    const [stats, endpoint] = await Promise.all([
      this.store.queues.stats(queue.name, this.clock()),
      queue.settings.delivery === null ? null : this.store.deliveries.endpoint(queue.name),
    ]);
    return { ...queue, stats, endpoint };
  }

  // Messages

  /**
   * Publishes one or more messages; resolves after they are durable. An `Idempotency-Key`
   * sets the dedupId of a single message, or `<key>#<index>` for each message of a batch.
   */
  async publish(queue: string, inputs: MessageInput[], idempotencyKey: string | null): Promise<PublishResult[]> {
    const now = this.clock();
    const messages = inputs.map((input, index) => {
      const field = inputs.length === 1 ? "" : `messages[${index}]`;
      const keyed =
        idempotencyKey === null || input.dedupId !== undefined
          ? input
          : { ...input, dedupId: inputs.length === 1 ? idempotencyKey : `${idempotencyKey}#${index}` };
      return toNewMessage(keyed, field, now);
    });
    const write = () => this.store.messages.publish(queue, messages, now);
    const results = this.spans ? await this.spans.publish(queue, messages, write, resultIds) : await write();
    const created = results.filter((r) => !r.duplicate).length;
    this.store.notifier.notify(queue, created);
    this.observer.messages("published", queue, created);
    return results;
  }

  /**
   * Leases messages, waiting up to `waitSeconds` for some to arrive. Returns empty when draining,
   * or once `signal` aborts (the client went away): messages leased for an aborted request are
   * given back at once, uncounted, so a dead connection holds nothing.
   */
  receive(queue: string, request: ReceiveRequest, signal?: AbortSignal): Promise<LeasedMessage[]> {
    const lease = () => this.leaseWaiting(queue, request, signal);
    return this.spans ? this.spans.receive(queue, lease) : lease();
  }

  private async leaseWaiting(queue: string, request: ReceiveRequest, signal?: AbortSignal): Promise<LeasedMessage[]> {
    const visibilityMs =
      request.visibilityTimeoutSeconds === undefined ? null : request.visibilityTimeoutSeconds * 1000;
    const deadline = this.clock() + request.waitSeconds * 1000;
    for (;;) {
      if (this.draining || signal?.aborted) return [];
      const leased = await this.store.messages.lease(queue, request.max, visibilityMs, this.clock(), this.instanceId);
      if (leased.length > 0 && signal?.aborted) {
        await this.returnUndelivered(queue, leased);
        return [];
      }
      const remaining = deadline - this.clock();
      if (leased.length > 0 || remaining <= 0) {
        this.observer.messages("delivered", queue, leased.length);
        return leased;
      }
      await this.waiters.wait(queue, Math.min(remaining, LONG_POLL_RECHECK_MS), request.max, signal);
    }
  }

  private async returnUndelivered(queue: string, leased: LeasedMessage[]): Promise<void> {
    const outcomes = await this.store.messages.returnUndelivered(
      queue,
      leased.map((message) => message.receipt),
      this.clock(),
    );
    // They are ready again: someone else waiting may take them now.
    this.store.notifier.notify(queue, countOk(outcomes));
  }

  ack(queue: string, receipts: string[]): Promise<LeaseOutcome[]> {
    return this.settling(queue, "ack", receipts, async (valid) => {
      const outcomes = await this.store.messages.ack(queue, valid, this.clock());
      this.observer.messages("acked", queue, countOk(outcomes));
      return outcomes;
    });
  }

  nack(queue: string, receipts: string[], delaySeconds: number | null, error: string | null): Promise<LeaseOutcome[]> {
    if (error !== null) assertStorableText("error", error);
    const delayMs = delaySeconds === null ? null : delaySeconds * 1000;
    return this.settling(queue, "nack", receipts, async (valid) => {
      const outcomes = await this.store.messages.nack(
        queue,
        valid.map((receipt) => ({ receipt, delayMs, error })),
        this.clock(),
      );
      const nacked = countOk(outcomes);
      // An immediate retry is new work for anyone waiting.
      if (delayMs === 0) this.store.notifier.notify(queue, nacked);
      this.observer.messages("nacked", queue, nacked);
      return outcomes;
    });
  }

  /**
   * Settles finished webhook sends of `queue` (attempt, circuit, ack or nack) in one store call;
   * counts and wakes as `ack` and `nack` do.
   */
  async settleDeliveries(queue: string, items: SettleItem[], policy: CircuitPolicy): Promise<SettleResult[]> {
    const results = await this.store.deliveries.settle(queue, items, policy, this.clock());
    let acked = 0;
    let nacked = 0;
    let readyNow = 0;
    items.forEach((item, index) => {
      if (results[index]?.outcome !== "ok") return;
      if (item.settlement.action === "ack") {
        acked += 1;
      } else {
        nacked += 1;
        if (item.settlement.delayMs === 0) readyNow += 1;
      }
    });
    if (readyNow > 0) this.store.notifier.notify(queue, readyNow);
    if (acked > 0) this.observer.messages("acked", queue, acked);
    if (nacked > 0) this.observer.messages("nacked", queue, nacked);
    return results;
  }

  async extend(queue: string, receipts: string[], visibilityTimeoutSeconds: number | null): Promise<LeaseOutcome[]> {
    const seconds = visibilityTimeoutSeconds ?? (await this.getQueueRecord(queue)).settings.visibilityTimeoutSeconds;
    return perReceipt(receipts, (valid) =>
      this.store.messages.extend(
        queue,
        valid.map((receipt) => ({ receipt, visibilityMs: seconds * 1000 })),
        this.clock(),
      ),
    );
  }

  async getMessage(queue: string, id: string): Promise<MessageRecord> {
    await this.getQueueRecord(queue);
    const message = await this.store.messages.get(queue, id, this.clock());
    if (!message) throw messageNotFound(queue, id);
    return message;
  }

  /** One page of the queue's messages in `state`, without leasing them. */
  browse(queue: string, state: BrowseState, after: BrowsePosition | null, limit: number): Promise<BrowsePage> {
    return this.store.messages.browse(queue, state, after, limit, this.clock());
  }

  /** The message's webhook attempts, oldest first (empty for a queue without delivery). */
  deliveryAttempts(queue: string, id: string): Promise<AttemptRecord[]> {
    return this.store.deliveries.attempts(queue, id, ATTEMPTS_SHOWN);
  }

  // Dead letters

  listDead(queue: string, after: string | null, limit: number): Promise<DeadLetterPage> {
    return this.store.deadLetters.list(queue, after, limit, this.clock());
  }

  async redrive(queue: string, ids: string[] | "all"): Promise<number> {
    const moved = await this.store.deadLetters.redrive(queue, ids, this.clock());
    this.store.notifier.notify(queue, moved);
    return moved;
  }

  /** Deletes the named dead letters, once they have been handed on (the SQS dead-letter queue). */
  removeDead(queue: string, ids: string[]): Promise<number> {
    return this.store.deadLetters.remove(queue, ids);
  }

  purgeDead(queue: string): Promise<number> {
    return this.store.deadLetters.purge(queue);
  }

  // Topics

  async putTopic(name: string): Promise<{ topic: TopicRecord; created: boolean }> {
    assertName("topic", name);
    return this.store.topics.put(name, this.clock());
  }

  putSubscription(
    topic: string,
    name: string,
    queue: string,
    filter: HeaderFilter | null,
  ): Promise<{ subscription: SubscriptionRecord; created: boolean }> {
    assertName("subscription", name);
    assertName("queue", queue);
    return this.store.topics.putSubscription(topic, name, { queue, filter }, this.clock());
  }

  async listTopics(
    after: string | null,
    limit: number,
    visible: (name: string) => boolean,
  ): Promise<NamePage<TopicRecord>> {
    return pageByName(await this.store.topics.list(), after, limit, visible);
  }

  async getTopic(name: string): Promise<TopicRecord> {
    const topic = await this.store.topics.get(name);
    if (!topic) throw topicNotFound(name);
    return topic;
  }

  async deleteTopic(name: string): Promise<void> {
    if (!(await this.store.topics.delete(name))) throw topicNotFound(name);
  }

  listSubscriptions(topic: string): Promise<SubscriptionRecord[]> {
    return this.store.topics.listSubscriptions(topic);
  }

  async getSubscription(topic: string, name: string): Promise<SubscriptionRecord> {
    const subscription = (await this.store.topics.listSubscriptions(topic)).find((s) => s.name === name);
    if (!subscription) throw subscriptionNotFound(topic, name);
    return subscription;
  }

  async deleteSubscription(topic: string, name: string): Promise<void> {
    if (!(await this.store.topics.deleteSubscription(topic, name))) throw subscriptionNotFound(topic, name);
  }

  /**
   * Writes the event into every matching subscription's queue. With `allowedQueues` (the
   * publisher's name patterns), the event is refused whole if it would reach a queue they do not allow.
   */
  async publishEvent(
    topic: string,
    input: MessageInput,
    idempotencyKey: string | null,
    allowedQueues: readonly string[] | null = null,
  ): Promise<FanOutResult[]> {
    const now = this.clock();
    const keyed =
      idempotencyKey !== null && input.dedupId === undefined ? { ...input, dedupId: idempotencyKey } : input;
    const message = toNewMessage(keyed, "", now);
    const write = () => this.store.topics.publish(topic, message, now, allowedQueues);
    const results = this.spans ? await this.spans.publish(topic, [message], write, resultIds) : await write();
    for (const result of results) {
      if (result.duplicate) continue;
      this.store.notifier.notify(result.queue, 1);
      this.observer.messages("published", result.queue, 1);
    }
    return results;
  }

  private settling(
    queue: string,
    operation: "ack" | "nack",
    receipts: string[],
    settle: (valid: string[]) => Promise<LeaseOutcome[]>,
  ): Promise<LeaseOutcome[]> {
    const run = () => perReceipt(receipts, settle);
    return this.spans ? this.spans.settle(queue, operation, receipts.length, run) : run();
  }

  // Lifecycle

  /** Stops long-polls: waiting receivers return empty now, new ones return at once. */
  drain(): void {
    this.draining = true;
    this.unsubscribe();
    this.waiters.wakeAll();
  }

  /**
   * Gives back every unexpired lease this broker took (DESIGN §6 step 5), as a failed attempt
   * with no backoff, so the messages are ready at once for other instances or after a restart.
   * Call after in-flight requests have finished; returns how many were released.
   */
  releaseLeases(): Promise<number> {
    return this.store.messages.releaseOwnedLeases(this.instanceId, this.clock());
  }

  /** The queue's settings without its stats (which cost a count); throws queue_not_found. */
  async getQueueRecord(name: string): Promise<QueueRecord> {
    const queue = await this.store.queues.get(name);
    if (!queue) throw queueNotFound(name);
    return queue;
  }
}

function resultIds(results: ReadonlyArray<{ id: string }>): string[] {
  return results.map((result) => result.id);
}

function countOk(outcomes: LeaseOutcome[]): number {
  let ok = 0;
  for (const outcome of outcomes) if (outcome === "ok") ok += 1;
  return ok;
}

/**
 * Runs `settle` on the well-formed receipts only and answers one outcome per receipt, in order:
 * a malformed one is `invalid_receipt` and does not stop the others from being settled.
 */
async function perReceipt(
  receipts: string[],
  settle: (valid: string[]) => Promise<LeaseOutcome[]>,
): Promise<LeaseOutcome[]> {
  const wellFormed = receipts.map(isWellFormedReceipt);
  const valid = receipts.filter((_, index) => wellFormed[index]);
  const settled = valid.length === 0 ? [] : await settle(valid);
  let next = 0;
  return wellFormed.map((ok): LeaseOutcome => (ok ? (settled[next++] ?? "lease_lost") : "invalid_receipt"));
}
