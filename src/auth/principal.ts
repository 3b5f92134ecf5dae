import type { QueuePatterns } from "../domain/name-patterns.ts";

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
