/** Where a message is in its life. Stored as small integers; the names are the API's. */
export const MessageState = {
  /** Waiting to be leased; `availableAt` may lie in the future (delayed or backing off). */
  ready: 0,
  leased: 1,
  dead: 2,
  /** Behind an earlier message of the same ordering group; promoted when that one leaves. */
  queuedInGroup: 3,
} as const;

export function stateName(code: number): "ready" | "delayed" | "leased" | "dead" | "grouped" {
  switch (code) {
    case MessageState.leased:
      return "leased";
    case MessageState.dead:
      return "dead";
    case MessageState.queuedInGroup:
      return "grouped";
    default:
      return "ready";
  }
}

/** A message as handed to the store for insertion, validated and normalised by the broker; the store mints its id. */
export interface NewMessage {
  /** JSON text of the body when `bodyIsBinary` is false, base64 of the bytes when true. */
  body: string;
  bodyIsBinary: boolean;
  /** JSON text of a string map, or null when there are none. */
  headers: string | null;
  priority: number;
  availableAt: number;
  groupId: string | null;
  dedupId: string | null;
}

export interface PublishResult {
  id: string;
  duplicate: boolean;
}

export interface LeasedMessage {
  id: string;
  receipt: string;
  body: string;
  bodyIsBinary: boolean;
  headers: string | null;
  priority: number;
  groupId: string | null;
  attempts: number;
  enqueuedAt: number;
  leaseExpiresAt: number;
  lastError: string | null;
}

/**
 * What one receipt of an ack, nack or extend came to: `ok`; `lease_lost` when that lease is no
 * longer held (expired, superseded, settled, or the token does not match); `invalid_receipt`
 * when the string is not a receipt at all.
 */
export type LeaseOutcome = "ok" | "lease_lost" | "invalid_receipt";

export interface MessageRecord {
  id: string;
  queue: string;
  state: "ready" | "delayed" | "leased" | "dead" | "grouped";
  body: string;
  bodyIsBinary: boolean;
  headers: string | null;
  priority: number;
  groupId: string | null;
  dedupId: string | null;
  attempts: number;
  enqueuedAt: number;
  availableAt: number;
  leaseExpiresAt: number | null;
  lastError: string | null;
  deadAt: number | null;
}

export interface QueueStats {
  ready: number;
  delayed: number;
  leased: number;
  dead: number;
  /** Messages held behind an earlier one of their ordering group. */
  grouped: number;
  oldestReadyAgeSeconds: number;
}
