import {
  afterAttempt,
  afterLease,
  newEndpointState,
  PAUSED_CLAIM,
  planClaim,
  type AttemptRecord,
  type CircuitChange,
  type CircuitPolicy,
  type DeliveryClaim,
  type EndpointState,
} from "../../domain/webhook-endpoint.ts";
import type { DeliveryStore, SettleItem, SettleResult } from "../store.ts";
import type { SqliteContext } from "./context.ts";
import type { SqliteMessageStore } from "./message-store.ts";
import type { Synchronous } from "./synchronous.ts";

interface EndpointRow {
  queue: string;
  disabled_at: number | null;
  disabled_reason: string | null;
  consecutive_failures: number;
  circuit_open_until: number | null;
  probe_expires_at: number | null;
  tokens: number;
  tokens_at: number;
  previous_secret: string | null;
  previous_secret_expires_at: number | null;
}

interface AttemptRow {
  queue: string;
  message_id: string;
  attempt: number;
  at: number;
  outcome: string;
  status: number | null;
  duration_ms: number;
  error: string | null;
  response_excerpt: string | null;
}

/**
 * Delivery state on SQLite. One process owns the file and every operation runs atomically in the
 * writer thread, so "under the endpoint's lock" is simply "inside one operation".
 */
export class SqliteDeliveryStore implements Synchronous<DeliveryStore> {
  constructor(
    private readonly ctx: SqliteContext,
    private readonly messages: SqliteMessageStore,
  ) {}

  claim(queue: string, max: number, visibilityMs: number, owner: string, now: number): DeliveryClaim {
    const { settings, pausedAt } = this.ctx.requireQueue(queue);
    if (pausedAt !== null) return PAUSED_CLAIM;
    const limits = settings.delivery ?? { maxConcurrency: 0, maxPerSecond: 0 };
    const endpoint = this.endpoint(queue) ?? newEndpointState(queue);
    const inFlight =
      this.ctx.db
        .query<{ n: number }, [string, number]>(
          "SELECT COUNT(*) AS n FROM messages WHERE queue = ? AND state = 1 AND lease_expires_at > ?",
        )
        .get(queue, now)?.n ?? 0;
    const plan = planClaim(endpoint, limits, inFlight, max, visibilityMs, now);
    const messages = plan.allowed > 0 ? this.messages.lease(queue, plan.allowed, visibilityMs, now, owner) : [];
    this.save(afterLease(plan, messages.length, limits.maxPerSecond), now);
    return { messages, probe: plan.probe && messages.length > 0, blocked: plan.blocked, retryAt: plan.retryAt };
  }

  record(attempt: AttemptRecord, circuitFailure: boolean, policy: CircuitPolicy, now: number): CircuitChange {
    this.ctx.db
      .query(
        `INSERT INTO webhook_attempts (queue, message_id, attempt, at, outcome, status, duration_ms, error, response_excerpt)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        attempt.queue,
        attempt.messageId,
        attempt.attempt,
        attempt.at,
        attempt.outcome,
        attempt.status,
        Math.round(attempt.durationMs),
        attempt.error,
        attempt.responseExcerpt,
      );
    const endpoint = this.endpoint(attempt.queue) ?? newEndpointState(attempt.queue);
    const { next, change } = afterAttempt(endpoint, circuitFailure, policy, now);
    this.save(next, now);
    return change;
  }

  /** One writer operation, so one transaction (with whatever else the writer folds into it). */
  settle(queue: string, items: SettleItem[], policy: CircuitPolicy, now: number): SettleResult[] {
    return items.map((item) => {
      const change = this.record(item.attempt, item.circuitFailure, policy, now);
      const { settlement } = item;
      const [outcome] =
        settlement.action === "ack"
          ? this.messages.ack(queue, [item.receipt], now)
          : this.messages.nack(
              queue,
              [{ receipt: item.receipt, delayMs: settlement.delayMs, error: settlement.error }],
              now,
            );
      return { change, outcome: outcome ?? "lease_lost" };
    });
  }

  disable(queue: string, reason: string, now: number): void {
    const endpoint = this.endpoint(queue) ?? newEndpointState(queue);
    if (endpoint.disabledAt !== null) return;
    this.save({ ...endpoint, disabledAt: now, disabledReason: reason }, now);
  }

  enable(queue: string, now: number): boolean {
    const endpoint = this.endpoint(queue);
    if (!endpoint) return false;
    this.save(
      {
        ...endpoint,
        disabledAt: null,
        disabledReason: null,
        consecutiveFailures: 0,
        circuitOpenUntil: null,
        probeExpiresAt: null,
      },
      now,
    );
    return endpoint.disabledAt !== null;
  }

  keepPreviousSecret(queue: string, secret: string, until: number, now: number): void {
    const endpoint = this.endpoint(queue) ?? newEndpointState(queue);
    this.save({ ...endpoint, previousSecret: secret, previousSecretExpiresAt: until }, now);
  }

  endpoint(queue: string): EndpointState | null {
    const row = this.ctx.db.query<EndpointRow, [string]>("SELECT * FROM webhook_endpoints WHERE queue = ?").get(queue);
    return row ? toEndpoint(row) : null;
  }

  endpoints(): EndpointState[] {
    return this.ctx.db.query<EndpointRow, []>("SELECT * FROM webhook_endpoints ORDER BY queue").all().map(toEndpoint);
  }

  attempts(queue: string, messageId: string, limit: number): AttemptRecord[] {
    return this.ctx.db
      .query<AttemptRow, [string, string, number]>(
        "SELECT * FROM webhook_attempts WHERE message_id = ? AND queue = ? ORDER BY id LIMIT ?",
      )
      .all(messageId, queue, limit)
      .map(toAttempt);
  }

  oldestUndelivered(queues: string[]): Array<{ queue: string; enqueuedAt: number | null }> {
    const oldest = this.ctx.db.query<{ at: number | null }, [string]>(
      "SELECT MIN(enqueued_at) AS at FROM messages WHERE queue = ? AND state <> 2",
    );
    return queues.map((queue) => ({ queue, enqueuedAt: oldest.get(queue)?.at ?? null }));
  }

  deleteOrphanAttempts(limit: number): number {
    return this.ctx.db
      .query(
        `DELETE FROM webhook_attempts WHERE id IN (
           SELECT a.id FROM webhook_attempts a
            WHERE NOT EXISTS (SELECT 1 FROM messages m WHERE m.id = a.message_id)
            ORDER BY a.id LIMIT ?)`,
      )
      .run(limit).changes;
  }

  private save(endpoint: EndpointState, now: number): void {
    this.ctx.db
      .query(
        `INSERT INTO webhook_endpoints (queue, disabled_at, disabled_reason, consecutive_failures, circuit_open_until,
                                        probe_expires_at, tokens, tokens_at, previous_secret, previous_secret_expires_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (queue) DO UPDATE SET
           disabled_at = excluded.disabled_at, disabled_reason = excluded.disabled_reason,
           consecutive_failures = excluded.consecutive_failures, circuit_open_until = excluded.circuit_open_until,
           probe_expires_at = excluded.probe_expires_at, tokens = excluded.tokens, tokens_at = excluded.tokens_at,
           previous_secret = excluded.previous_secret, previous_secret_expires_at = excluded.previous_secret_expires_at,
           updated_at = excluded.updated_at`,
      )
      .run(
        endpoint.queue,
        endpoint.disabledAt,
        endpoint.disabledReason,
        endpoint.consecutiveFailures,
        endpoint.circuitOpenUntil,
        endpoint.probeExpiresAt,
        endpoint.tokens,
        endpoint.tokensAt,
        endpoint.previousSecret,
        endpoint.previousSecretExpiresAt,
        now,
      );
  }
}

function toEndpoint(row: EndpointRow): EndpointState {
  return {
    queue: row.queue,
    disabledAt: row.disabled_at,
    disabledReason: row.disabled_reason,
    consecutiveFailures: row.consecutive_failures,
    circuitOpenUntil: row.circuit_open_until,
    probeExpiresAt: row.probe_expires_at,
    tokens: row.tokens,
    tokensAt: row.tokens_at,
    previousSecret: row.previous_secret,
    previousSecretExpiresAt: row.previous_secret_expires_at,
  };
}

function toAttempt(row: AttemptRow): AttemptRecord {
  return {
    queue: row.queue,
    messageId: row.message_id,
    attempt: row.attempt,
    at: row.at,
    outcome: row.outcome,
    status: row.status,
    durationMs: row.duration_ms,
    error: row.error,
    responseExcerpt: row.response_excerpt,
  };
}
