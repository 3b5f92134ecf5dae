import { afterAttempt, type CircuitChange, type CircuitPolicy } from "../../domain/webhook-endpoint.ts";
import type { LeaseOutcome } from "../../domain/message.ts";
import type { NackItem, SettleItem, SettleResult } from "../store.ts";
import type { PgDatabase, Tx } from "./db.ts";
import { ackHeld, nackHeld } from "./message-store.ts";
import { lockEndpoint, saveIfChanged } from "./endpoint-row.ts";
import { KeyedBatches } from "./keyed-batches.ts";

interface Settle {
  items: SettleItem[];
  policy: CircuitPolicy;
  now: number;
}

/**
 * Group commit for delivery settles, per queue: while one settle transaction of a queue runs,
 * every settle of that queue arriving meanwhile waits and then goes into the next transaction
 * together. One transaction takes the endpoint row lock once for the whole batch (instead of
 * once per send, each waiting behind the fleet's claims), inserts every attempt in one
 * statement, and acks and nacks with the message store's own fenced statements.
 */
export class SettleCombiner {
  private readonly settles = new KeyedBatches<Settle, SettleResult[]>((queue, batch) => this.settleBatch(queue, batch));

  constructor(private readonly db: PgDatabase) {}

  settle(queue: string, items: SettleItem[], policy: CircuitPolicy, now: number): Promise<SettleResult[]> {
    if (items.length === 0) return Promise.resolve([]);
    return this.settles.submit(queue, { items, policy, now });
  }

  private async settleBatch(queue: string, batch: Settle[]): Promise<SettleResult[][]> {
    const items = batch.flatMap((p) => p.items);
    // The latest clock reading: a lease that ran out meanwhile counts as lost, never the reverse.
    const now = Math.max(...batch.map((p) => p.now));
    const results = await this.db.transaction((tx) => settleIn(tx, queue, items, batch[0]!.policy, now));
    let next = 0;
    return batch.map((p) => results.slice(next, (next += p.items.length)));
  }
}

async function settleIn(
  tx: Tx,
  queue: string,
  items: SettleItem[],
  policy: CircuitPolicy,
  now: number,
): Promise<SettleResult[]> {
  const attempts = items.map((item) => item.attempt);
  await tx.sql`
    INSERT INTO webhook_attempts (queue, message_id, attempt, at, outcome, status, duration_ms, error, response_excerpt)
    SELECT queue, message_id, attempt, at, outcome, status, duration_ms, error, response_excerpt
      FROM unnest(${attempts.map((a) => a.queue)}::text[], ${attempts.map((a) => a.messageId)}::text[],
                         ${attempts.map((a) => a.attempt)}::int4[], ${attempts.map((a) => a.at)}::int8[],
                         ${attempts.map((a) => a.outcome)}::text[], ${attempts.map((a) => a.status)}::int4[],
                         ${attempts.map((a) => Math.round(a.durationMs))}::int4[], ${attempts.map((a) => a.error)}::text[],
                         ${attempts.map((a) => a.responseExcerpt)}::text[])
           WITH ORDINALITY AS t(queue, message_id, attempt, at, outcome, status, duration_ms, error, response_excerpt, position)
     ORDER BY position`;
  // The endpoint row before the message rows, as a claim takes them, so the two never deadlock.
  const endpoint = await lockEndpoint(tx.sql, queue, now);
  let state = endpoint;
  const changes: CircuitChange[] = items.map((item) => {
    const { next, change } = afterAttempt(state, item.circuitFailure, policy, now);
    state = next;
    return change;
  });
  await saveIfChanged(tx.sql, endpoint, state, now);
  const outcomes: LeaseOutcome[] = new Array<LeaseOutcome>(items.length).fill("lease_lost");
  const acks: number[] = [];
  const nacks: number[] = [];
  items.forEach((item, index) => (item.settlement.action === "ack" ? acks : nacks).push(index));
  if (acks.length > 0) {
    const acked = await ackHeld(
      tx,
      queue,
      acks.map((index) => items[index]!.receipt),
      now,
    );
    acks.forEach((index, k) => (outcomes[index] = acked[k]!));
  }
  if (nacks.length > 0) {
    const nackItems = nacks.map((index): NackItem => {
      const { receipt, settlement } = items[index]!;
      return settlement.action === "retry"
        ? { receipt, delayMs: settlement.delayMs, error: settlement.error }
        : { receipt, delayMs: null, error: null };
    });
    const nacked = await nackHeld(tx, queue, nackItems, now);
    nacks.forEach((index, k) => (outcomes[index] = nacked[k]!));
  }
  return items.map((_, index) => ({ change: changes[index]!, outcome: outcomes[index]! }));
}
