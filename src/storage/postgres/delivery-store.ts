import { queueNotFound } from "../../domain/errors.ts";
import type { QueueSettings } from "../../domain/queue-settings.ts";
import {
  afterAttempt,
  afterLease,
  PAUSED_CLAIM,
  planClaim,
  type AttemptRecord,
  type CircuitChange,
  type CircuitPolicy,
  type DeliveryClaim,
  type EndpointState,
} from "../../domain/webhook-endpoint.ts";
import type { DeliveryStore, SettleItem, SettleResult } from "../store.ts";
import { claimReady } from "./claim.ts";
import { affected, num, numOrNull, rows, type PgDatabase } from "./db.ts";
import { releaseExpired } from "./lifecycle.ts";
import { SettleCombiner } from "./delivery-settle.ts";
import { lockEndpoint, save, sameState, toEndpoint } from "./endpoint-row.ts";

/** Expired leases one claim turns over first, so they count neither as in flight nor as lost. */
const EXPIRED_LEASES_PER_CLAIM = 100;

/**
 * Delivery state on PostgreSQL, shared by every worker of the fleet. A claim locks the queue's
 * webhook_endpoints row (FOR UPDATE) for its whole transaction, so the fleet's claims of one
 * queue run one after another: each counts the queue's unexpired leases and refills the token
 * bucket on the database clock after the previous one committed, and leases in the same
 * transaction. Claims of different queues never wait for each other.
 */
export class PgDeliveryStore implements DeliveryStore {
  private readonly settles: SettleCombiner;

  constructor(private readonly db: PgDatabase) {
    this.settles = new SettleCombiner(db);
  }

  claim(queue: string, max: number, visibilityMs: number, owner: string, now: number): Promise<DeliveryClaim> {
    return this.db.transaction(async (tx) => {
      const [queueRow] = await rows<{ settings: string; paused: boolean }>(
        tx.sql`SELECT settings, paused_at IS NOT NULL AS paused FROM queues WHERE name = ${queue}`,
      );
      if (!queueRow) throw queueNotFound(queue);
      if (queueRow.paused) return PAUSED_CLAIM;
      const delivery = (JSON.parse(queueRow.settings) as QueueSettings).delivery;
      const limits = delivery ?? { maxConcurrency: 0, maxPerSecond: 0 };
      const endpoint = await lockEndpoint(tx.sql, queue, now);
      await releaseExpired(tx, queue, now, EXPIRED_LEASES_PER_CLAIM);
      const [count] = await rows<{ n: unknown }>(tx.sql`
        SELECT COUNT(*) AS n FROM messages WHERE queue = ${queue} AND state = 1 AND lease_expires_at > ${now}`);
      const plan = planClaim(endpoint, limits, num(count?.n ?? 0), max, visibilityMs, now);
      const messages =
        plan.allowed > 0 ? await claimReady(tx.sql, queue, plan.allowed, now + visibilityMs, owner, now) : [];
      const next = afterLease(plan, messages.length, limits.maxPerSecond);
      if (!sameState(next, endpoint)) await save(tx.sql, next, now);
      return { messages, probe: plan.probe && messages.length > 0, blocked: plan.blocked, retryAt: plan.retryAt };
    });
  }

  record(attempt: AttemptRecord, circuitFailure: boolean, policy: CircuitPolicy, now: number): Promise<CircuitChange> {
    return this.db.transaction(async (tx) => {
      await tx.sql`
        INSERT INTO webhook_attempts (queue, message_id, attempt, at, outcome, status, duration_ms, error, response_excerpt)
        VALUES (${attempt.queue}, ${attempt.messageId}, ${attempt.attempt}, ${attempt.at}, ${attempt.outcome},
                ${attempt.status}, ${Math.round(attempt.durationMs)}, ${attempt.error}, ${attempt.responseExcerpt})`;
      const endpoint = await lockEndpoint(tx.sql, attempt.queue, now);
      const { next, change } = afterAttempt(endpoint, circuitFailure, policy, now);
      if (!sameState(next, endpoint)) await save(tx.sql, next, now);
      return change;
    });
  }

  settle(queue: string, items: SettleItem[], policy: CircuitPolicy, now: number): Promise<SettleResult[]> {
    return this.settles.settle(queue, items, policy, now);
  }

  disable(queue: string, reason: string, now: number): Promise<void> {
    return this.db.transaction(async (tx) => {
      const endpoint = await lockEndpoint(tx.sql, queue, now);
      if (endpoint.disabledAt === null)
        await save(tx.sql, { ...endpoint, disabledAt: now, disabledReason: reason }, now);
    });
  }

  async enable(queue: string, now: number): Promise<boolean> {
    const [before] = await rows<{ disabled_at: unknown }>(this.db.sql`
      WITH old AS (SELECT queue, disabled_at FROM webhook_endpoints WHERE queue = ${queue} FOR UPDATE)
      UPDATE webhook_endpoints e
         SET disabled_at = NULL, disabled_reason = NULL, consecutive_failures = 0,
             circuit_open_until = NULL, probe_expires_at = NULL, updated_at = ${now}
        FROM old WHERE e.queue = old.queue
      RETURNING old.disabled_at`);
    return numOrNull(before?.disabled_at) !== null;
  }

  keepPreviousSecret(queue: string, secret: string, until: number, now: number): Promise<void> {
    return this.db.transaction(async (tx) => {
      const endpoint = await lockEndpoint(tx.sql, queue, now);
      await save(tx.sql, { ...endpoint, previousSecret: secret, previousSecretExpiresAt: until }, now);
    });
  }

  async endpoint(queue: string): Promise<EndpointState | null> {
    const [row] = await rows(this.db.sql`SELECT * FROM webhook_endpoints WHERE queue = ${queue}`);
    return row ? toEndpoint(row) : null;
  }

  async endpoints(): Promise<EndpointState[]> {
    return (await rows(this.db.sql`SELECT * FROM webhook_endpoints ORDER BY queue`)).map(toEndpoint);
  }

  async attempts(queue: string, messageId: string, limit: number): Promise<AttemptRecord[]> {
    const found = await rows(this.db.sql`
      SELECT * FROM webhook_attempts WHERE message_id = ${messageId} AND queue = ${queue} ORDER BY id LIMIT ${limit}`);
    return found.map(toAttempt);
  }

  async oldestUndelivered(queues: string[]): Promise<Array<{ queue: string; enqueuedAt: number | null }>> {
    if (queues.length === 0) return [];
    const found = await rows<{ queue: string; at: unknown }>(this.db.sql`
      SELECT queue, MIN(enqueued_at) AS at FROM messages
       WHERE queue = ANY(${queues}::text[]) AND state <> 2 GROUP BY queue`);
    const oldest = new Map(found.map((row) => [row.queue, numOrNull(row.at)]));
    return queues.map((queue) => ({ queue, enqueuedAt: oldest.get(queue) ?? null }));
  }

  deleteOrphanAttempts(limit: number): Promise<number> {
    return affected(this.db.sql`
      DELETE FROM webhook_attempts WHERE id IN (
        SELECT a.id FROM webhook_attempts a
         WHERE NOT EXISTS (SELECT 1 FROM messages m WHERE m.id = a.message_id)
         ORDER BY a.id LIMIT ${limit})`);
  }
}

function toAttempt(row: Record<string, unknown>): AttemptRecord {
  return {
    queue: row.queue as string,
    messageId: row.message_id as string,
    attempt: num(row.attempt),
    at: num(row.at),
    outcome: row.outcome as string,
    status: numOrNull(row.status),
    durationMs: num(row.duration_ms),
    error: (row.error as string | null) ?? null,
    responseExcerpt: (row.response_excerpt as string | null) ?? null,
  };
}
