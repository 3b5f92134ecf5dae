import type {
  LeaseOutcome,
  LeasedMessage,
  MessageRecord,
  NewMessage,
  PublishResult,
  QueueStats,
} from "../domain/message.ts";
import type { QueueSettingsPatch } from "../domain/queue-settings.ts";
import type { BrowsePage, BrowsePosition, BrowseState } from "../domain/browse.ts";
import type {
  AttemptRecord,
  CircuitChange,
  CircuitPolicy,
  DeliveryClaim,
  EndpointState,
} from "../domain/webhook-endpoint.ts";

export type * from "../domain/records.ts";
export type * from "../domain/webhook-endpoint.ts";
import type {
  DeadLetterPage,
  FanOutResult,
  HeaderFilter,
  QueueRecord,
  SubscriptionRecord,
  TopicRecord,
  WriteHealth,
} from "../domain/records.ts";

// The storage contract, split by aggregate. Broker logic talks only to these interfaces;
// each driver owns its SQL and migrations. Every method takes `now` (epoch ms) from the
// caller so that time is one consistent value per operation and tests can move it.

export interface QueueStore {
  /** Creates the queue with defaults plus `patch`, or applies `patch` to an existing one. */
  put(name: string, patch: QueueSettingsPatch, now: number): Promise<{ queue: QueueRecord; created: boolean }>;
  get(name: string): Promise<QueueRecord | null>;
  list(): Promise<QueueRecord[]>;
  /** Deletes the queue and all its messages; false when it did not exist. */
  delete(name: string): Promise<boolean>;
  /** Drops every message that is not dead; returns how many. Throws queue_not_found. */
  purge(name: string): Promise<number>;
  /** Throws queue_not_found. Leases that ran out by `now` are counted as what their expiry makes them. */
  stats(name: string, now: number): Promise<QueueStats>;
  /**
   * Pauses (`paused`, keeping the first pause time) or resumes the queue; persisted, so it holds
   * across restarts and on every instance. Throws queue_not_found.
   */
  setPaused(name: string, paused: boolean, now: number): Promise<QueueRecord>;
  /** Stats of every queue in one pass, for the metrics refresher; ordered by name. */
  statsAll(now: number): Promise<Array<{ queue: string; stats: QueueStats }>>;
}

export interface NackItem {
  receipt: string;
  /** Explicit delay; null applies the queue's backoff. */
  delayMs: number | null;
  error: string | null;
}

export interface ExtendItem {
  receipt: string;
  visibilityMs: number;
}

export interface MessageStore {
  /** All or none: throws queue_not_found, or queue_full when the batch does not fit. */
  publish(queue: string, messages: NewMessage[], now: number): Promise<PublishResult[]>;
  /**
   * Leases up to `max` available messages until `now + visibilityMs`, each with a fresh random
   * token in its receipt. `owner` names the broker instance taking them (see
   * `releaseOwnedLeases`). Throws queue_not_found.
   */
  lease(
    queue: string,
    max: number,
    visibilityMs: number | null,
    now: number,
    owner?: string | null,
  ): Promise<LeasedMessage[]>;
  /**
   * One outcome per receipt, in order: `ok` only while that lease is held and the receipt's
   * token matches the stored one (compared in constant time); `invalid_receipt` for a string
   * that is no receipt.
   */
  ack(queue: string, receipts: string[], now: number): Promise<LeaseOutcome[]>;
  nack(queue: string, items: NackItem[], now: number): Promise<LeaseOutcome[]>;
  extend(queue: string, items: ExtendItem[], now: number): Promise<LeaseOutcome[]>;
  /**
   * Gives held leases back as if they had never been taken: the attempt is not counted and the
   * message is ready at once, in its old place. For messages leased for a client that went away
   * before it could receive them.
   */
  returnUndelivered(queue: string, receipts: string[], now: number): Promise<LeaseOutcome[]>;
  /**
   * Releases every unexpired lease taken by `owner`, as a failed attempt with no backoff (ready
   * at once, or dead when it was the last attempt); returns how many. Run by an instance as it
   * shuts down.
   */
  releaseOwnedLeases(owner: string, now: number): Promise<number>;
  /**
   * One page of the queue's messages in `state`, in claim order after `after`, read without
   * leasing them. Throws queue_not_found.
   */
  browse(
    queue: string,
    state: BrowseState,
    after: BrowsePosition | null,
    limit: number,
    now: number,
  ): Promise<BrowsePage>;
  /**
   * The message as of `now`: a lease that ran out reads as what its expiry makes it (ready after
   * backoff, or dead), not as leased.
   */
  get(queue: string, id: string, now: number): Promise<MessageRecord | null>;
}

export interface DeadLetterStore {
  list(queue: string, after: string | null, limit: number, now: number): Promise<DeadLetterPage>;
  /** Makes dead messages ready again with attempts reset; returns how many moved. */
  redrive(queue: string, ids: string[] | "all", now: number): Promise<number>;
  purge(queue: string): Promise<number>;
  /** Deletes the named dead messages (others are left alone); returns how many went. */
  remove(queue: string, ids: string[]): Promise<number>;
}

export interface TopicStore {
  put(name: string, now: number): Promise<{ topic: TopicRecord; created: boolean }>;
  get(name: string): Promise<TopicRecord | null>;
  list(): Promise<TopicRecord[]>;
  delete(name: string): Promise<boolean>;
  putSubscription(
    topic: string,
    name: string,
    spec: { queue: string; filter: HeaderFilter | null },
    now: number,
  ): Promise<{ subscription: SubscriptionRecord; created: boolean }>;
  listSubscriptions(topic: string): Promise<SubscriptionRecord[]>;
  deleteSubscription(topic: string, name: string): Promise<boolean>;
  /**
   * Writes one copy of `message` into every queue whose subscription matches its headers,
   * in one transaction: all or none. Throws topic_not_found, or queue_full naming the queue.
   * With `allowedQueues` (name patterns), throws queue_not_allowed and writes nothing when a
   * matching subscription leads to a queue the patterns do not allow.
   */
  publish(
    topic: string,
    message: NewMessage,
    now: number,
    allowedQueues?: readonly string[] | null,
  ): Promise<FanOutResult[]>;
}

/** Transitions the broker cannot see from its calls alone, counted by the store as they happen. */
export interface TransitionCount {
  queue: string;
  /** Leases that ran out before an ack or nack. */
  expired: number;
  /** Messages moved to the dead letters (attempts exhausted, by nack or by expiry). */
  deadLettered: number;
}

export interface MaintenanceStore {
  /** Transitions counted since the previous call, which resets the counts; for metrics. */
  takeTransitionCounts(): Promise<TransitionCount[]>;
  /** Expired leases go back to ready after backoff, or to the dead letters; returns how many. */
  releaseExpiredLeases(now: number, limit: number): Promise<number>;
  /** Removes dead letters past their queue's retention; returns how many. */
  deleteExpiredDeadLetters(now: number, limit: number): Promise<number>;
  deleteExpiredDedupKeys(now: number, limit: number): Promise<number>;
  /**
   * Moves the per-statement count changes drivers append as messages move into the queue's
   * counts, so stats read few rows; returns how many changes moved (0 where none are kept).
   */
  foldQueueCounts(): Promise<number>;
}

/**
 * Webhook delivery state (DESIGN §1): per delivery queue, the endpoint row every claim locks, so
 * that maxConcurrency, maxPerSecond and the circuit hold across every worker sharing the store;
 * and the attempt history.
 */
/** One finished send: its attempt, and what becomes of its lease (a 410 goes through `disable` instead). */
export interface SettleItem {
  attempt: AttemptRecord;
  circuitFailure: boolean;
  receipt: string;
  /** Ack, or nack with `delayMs` (null = the queue's backoff) and the error kept on the message. */
  settlement: { action: "ack" } | { action: "retry"; delayMs: number | null; error: string | null };
}

export interface SettleResult {
  change: CircuitChange;
  outcome: LeaseOutcome;
}

export interface DeliveryStore {
  /**
   * Leases up to `max` messages for delivery, in one transaction under the endpoint's lock: none
   * while disabled or the circuit is open, one as the half-open probe, no more than
   * maxConcurrency minus the queue's unexpired leases, and no more than the token bucket of
   * maxPerSecond holds. Throws queue_not_found.
   */
  claim(queue: string, max: number, visibilityMs: number, owner: string, now: number): Promise<DeliveryClaim>;
  /** Records one attempt and its effect on the circuit; tells when the circuit opened or closed. */
  record(attempt: AttemptRecord, circuitFailure: boolean, policy: CircuitPolicy, now: number): Promise<CircuitChange>;
  /**
   * Settles finished sends of one queue in one transaction: records each attempt and its effect
   * on the circuit (in order), then acks or nacks each lease exactly as `messages.ack`/`nack`
   * would (only while that lease is held). Calls made together may share one transaction.
   */
  settle(queue: string, items: SettleItem[], policy: CircuitPolicy, now: number): Promise<SettleResult[]>;
  /** Pauses delivery of the queue (a 410 answer) until `enable`. */
  disable(queue: string, reason: string, now: number): Promise<void>;
  /** Clears a disable and resets the circuit; true when delivery was disabled. */
  enable(queue: string, now: number): Promise<boolean>;
  /** Keeps signing with `secret` (the one a rotation replaced) until `until`. */
  keepPreviousSecret(queue: string, secret: string, until: number, now: number): Promise<void>;
  /** Null when the queue never had delivery state. */
  endpoint(queue: string): Promise<EndpointState | null>;
  endpoints(): Promise<EndpointState[]>;
  /** The message's attempts, oldest first, at most `limit`. */
  attempts(queue: string, messageId: string, limit: number): Promise<AttemptRecord[]>;
  /** Per queue in `queues`: enqueue time of its oldest message not yet acked or dead (null when none). */
  oldestUndelivered(queues: string[]): Promise<Array<{ queue: string; enqueuedAt: number | null }>>;
  /** Deletes up to `limit` attempts whose message is gone (acked, purged, or past retention); returns how many. */
  deleteOrphanAttempts(limit: number): Promise<number>;
}

/** Wakes long-polling receivers of a queue on every instance that shares the store. */
export interface Notifier {
  /** Tells every instance that `count` messages became available in `queue`. */
  notify(queue: string, count: number): void;
  /** Hears every notification, from this instance or another; returns the unsubscribe. */
  subscribe(listener: (queue: string, count: number) => void): () => void;
}

export interface Store {
  readonly dialect: "sqlite" | "postgres";
  readonly notifier: Notifier;
  /**
   * The clock every time-based decision is made on (lease expiry, availableAt, dedup windows,
   * retention), in epoch milliseconds: the machine's clock when one process owns the store, the
   * database's clock when several instances share it, so their clocks' skew steals no lease.
   */
  now(): number;
  /**
   * True while this instance leads the services that must run once per fleet (lease sweeping,
   * retention); tries to take the lead when it is free. Always true for a store one process owns.
   */
  holdsLeadership(): Promise<boolean>;
  readonly queues: QueueStore;
  readonly messages: MessageStore;
  readonly deadLetters: DeadLetterStore;
  readonly topics: TopicStore;
  readonly maintenance: MaintenanceStore;
  readonly deliveries: DeliveryStore;
  /** Resolves when the database answers a trivial query. */
  ping(): Promise<void>;
  /** Whether writes currently succeed; readiness turns 503 while they cannot (for example, disk full). */
  writeHealth(): Promise<WriteHealth>;
  close(): Promise<void>;
}
