import { QueuePatterns } from "../domain/name-patterns.ts";

export { QueuePatterns } from "../domain/name-patterns.ts";
export const SCOPES = ["publish", "consume", "admin"] as const;
export type Scope = (typeof SCOPES)[number];

export function isScope(value: string): value is Scope {
  return (SCOPES as readonly string[]).includes(value);
}

/** Who a request acts as, once authenticated: an API key or a JWT subject. */
export interface Principal {
  /** Non-secret identifier: the key id, or the token's `sub`. Used for rate limits and logs. */
  readonly id: string;
  readonly scopes: ReadonlySet<Scope>;
  readonly queues: QueuePatterns;
}

/**
 * The `scopes=` and `queues=` fields of a keys-file line, which API keys and SQS access keys share;
 * throws saying how to write them.
 */
export function parseGrant(fields: Map<string, string>): Pick<Principal, "scopes" | "queues"> {
  const scopes = (fields.get("scopes") ?? "").split(",").filter(Boolean);
  if (scopes.length === 0 || !scopes.every(isScope)) {
    throw new Error("scopes must be a comma-separated list of publish, consume and admin");
  }
  const queues = (fields.get("queues") ?? "").split(",").filter(Boolean);
  if (queues.length === 0) throw new Error("queues must list queue-name patterns, or * for every queue");
  return { scopes: new Set(scopes), queues: QueuePatterns.parse(queues) };
}
