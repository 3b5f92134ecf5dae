import type { SQL } from "bun";
import type { LeasedMessage } from "../../domain/message.ts";
import { LEASE_TOKEN_BYTES, newLeaseTokens } from "../../domain/receipt.ts";
import { toLeasedMessage } from "../message-row.ts";
import { num } from "./db.ts";
import { toMessageRow, type RawMessageRow } from "./rows.ts";

/** One receiver's share of a claim: up to `max` messages, leased until `expiresAt` by `owner`. */
export interface ClaimShare {
  max: number;
  expiresAt: number;
  owner: string | null;
}

/**
 * Leases up to `max` ready messages of `queue` until `expiresAt`, in claim order, on `sql` (the
 * pool, or a transaction's client when the caller holds a lock around the claim, as delivery does).
 */
export async function claimReady(
  sql: SQL,
  queue: string,
  max: number,
  expiresAt: number,
  owner: string | null,
  now: number,
): Promise<LeasedMessage[]> {
  return (await claimShares(sql, queue, [{ max, expiresAt, owner }], now))[0]!;
}

/**
 * One claim for several receivers of `queue`: the messages in claim order, the first `max` of
 * them to the first share, the next to the second and so on, each row leased with its own
 * share's expiry and owner. Returns each share's messages, in claim order.
 */
export async function claimShares(
  sql: SQL,
  queue: string,
  shares: ClaimShare[],
  now: number,
): Promise<LeasedMessage[][]> {
  const total = shares.reduce((sum, share) => sum + share.max, 0);
  const result = shares.map((): LeasedMessage[] => []);
  if (total === 0) return result;
  // Per claimed position (1-based, in claim order): its share's expiry and owner.
  const expiries: number[] = [];
  const owners: Array<string | null> = [];
  const shareAt: number[] = [];
  shares.forEach((share, index) => {
    for (let k = 0; k < share.max; k++) {
      expiries.push(share.expiresAt);
      owners.push(share.owner);
      shareAt.push(index);
    }
  });
  // Tokens come from this process's CSPRNG, one call per claim, handed to the rows by their
  // position in the claim (the n-th claimed row takes bytes n*16 … n*16+15 of the pool).
  const pool = Buffer.concat(newLeaseTokens(total));
  // One statement: SKIP LOCKED lets concurrent receivers on any instance claim disjoint rows
  // in claim order, walking messages_claim; a row claimed and committed meanwhile is re-checked
  // (state = 0) after its lock and dropped.
  const raw = (await sql`
    WITH picked AS (
      SELECT seq, priority, available_at FROM messages
       WHERE queue = ${queue} AND state = 0 AND available_at <= ${now}
       ORDER BY priority DESC, available_at, seq
       LIMIT ${total}
       FOR UPDATE SKIP LOCKED
    ), numbered AS (
      SELECT seq, row_number() OVER (ORDER BY priority DESC, available_at, seq) AS n FROM picked
    )
    UPDATE messages m
       SET state = 1, attempts = m.attempts + 1, lease_generation = m.lease_generation + 1,
           lease_expires_at = (${expiries}::int8[])[numbered.n], lease_owner = (${owners}::text[])[numbered.n],
           lease_token = substring(${pool}::bytea FROM ((numbered.n - 1) * ${LEASE_TOKEN_BYTES} + 1)::int FOR ${LEASE_TOKEN_BYTES})
      FROM numbered
     WHERE m.seq = numbered.seq
    RETURNING m.*, numbered.n AS claim_position`) as Array<RawMessageRow & { claim_position: unknown }>;
  raw.sort((a, b) => num(a.claim_position) - num(b.claim_position));
  for (const entry of raw) {
    const row = toMessageRow(entry);
    result[shareAt[num(entry.claim_position) - 1]!]!.push(
      toLeasedMessage(row, row.lease_token!, row.lease_expires_at!),
    );
  }
  return result;
}
