import type { SQL } from "bun";
import { newEndpointState, type EndpointState } from "../../domain/webhook-endpoint.ts";
import { num, numOrNull, rows } from "./db.ts";

/** The queue's endpoint row, locked until the transaction ends; created on first use. */
export async function lockEndpoint(sql: SQL, queue: string, now: number): Promise<EndpointState> {
  const select = () => rows(sql`SELECT * FROM webhook_endpoints WHERE queue = ${queue} FOR UPDATE`);
  let [row] = await select();
  if (!row) {
    await sql`INSERT INTO webhook_endpoints (queue, updated_at) VALUES (${queue}, ${now}) ON CONFLICT (queue) DO NOTHING`;
    [row] = await select();
  }
  return row ? toEndpoint(row) : newEndpointState(queue);
}

export async function save(sql: SQL, e: EndpointState, now: number): Promise<void> {
  await sql`
    UPDATE webhook_endpoints
       SET disabled_at = ${e.disabledAt}, disabled_reason = ${e.disabledReason},
           consecutive_failures = ${e.consecutiveFailures}, circuit_open_until = ${e.circuitOpenUntil},
           probe_expires_at = ${e.probeExpiresAt}, tokens = ${e.tokens}, tokens_at = ${e.tokensAt},
           previous_secret = ${e.previousSecret}, previous_secret_expires_at = ${e.previousSecretExpiresAt},
           updated_at = ${now}
     WHERE queue = ${e.queue}`;
}

export function sameState(a: EndpointState, b: EndpointState): boolean {
  return (Object.keys(a) as Array<keyof EndpointState>).every((key) => a[key] === b[key]);
}

export function toEndpoint(row: Record<string, unknown>): EndpointState {
  return {
    queue: row.queue as string,
    disabledAt: numOrNull(row.disabled_at),
    disabledReason: (row.disabled_reason as string | null) ?? null,
    consecutiveFailures: num(row.consecutive_failures),
    circuitOpenUntil: numOrNull(row.circuit_open_until),
    probeExpiresAt: numOrNull(row.probe_expires_at),
    tokens: num(row.tokens),
    tokensAt: num(row.tokens_at),
    previousSecret: (row.previous_secret as string | null) ?? null,
    previousSecretExpiresAt: numOrNull(row.previous_secret_expires_at),
  };
}

/** Writes `next` when a transition changed anything (most successful sends change nothing). */
export async function saveIfChanged(sql: SQL, before: EndpointState, next: EndpointState, now: number): Promise<void> {
  if (!sameState(next, before)) await save(sql, next, now);
}
