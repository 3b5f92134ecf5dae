import type { SQL } from "bun";
import type { LeasedMessage } from "../../domain/message.ts";
import { LEASE_TOKEN_BYTES, newLeaseTokens } from "../../domain/receipt.ts";
import { toLeasedMessage } from "../message-row.ts";
import { toMessageRow, type RawMessageRow } from "./rows.ts";

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
  // Tokens come from this process's CSPRNG, one call per batch, handed to the rows by their
  // position in the claim (the n-th claimed row takes bytes n*16 … n*16+15 of the pool).
  const pool = Buffer.concat(newLeaseTokens(max));
  // One statement: SKIP LOCKED lets concurrent receivers on any instance claim disjoint rows
  // in claim order, walking messages_claim; a row claimed and committed meanwhile is re-checked
  // (state = 0) after its lock and dropped.
  const raw = (await sql`
    WITH picked AS (
      SELECT seq FROM messages
       WHERE queue = ${queue} AND state = 0 AND available_at <= ${now}
       ORDER BY priority DESC, available_at, seq
       LIMIT ${max}
       FOR UPDATE SKIP LOCKED
    ), numbered AS (
      SELECT seq, row_number() OVER (ORDER BY seq) AS n FROM picked
    )
    UPDATE messages m
       SET state = 1, attempts = m.attempts + 1, lease_generation = m.lease_generation + 1,
           lease_expires_at = ${expiresAt}, lease_owner = ${owner},
           lease_token = substring(${pool}::bytea FROM ((numbered.n - 1) * ${LEASE_TOKEN_BYTES} + 1)::int FOR ${LEASE_TOKEN_BYTES})
      FROM numbered
     WHERE m.seq = numbered.seq
    RETURNING m.*`) as RawMessageRow[];
  const rows = raw.map(toMessageRow);
  rows.sort((a, b) => b.priority - a.priority || a.available_at - b.available_at || a.seq - b.seq);
  return rows.map((row) => toLeasedMessage(row, row.lease_token!, expiresAt));
}
