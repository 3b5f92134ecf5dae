import { invalidField } from "./errors.ts";
import type { MessageRecord } from "./message.ts";
import { cursorCheck } from "./cursor-check.ts";

// Browsing a queue's messages without leasing them (the console, GET /v1/queues/{q}/messages).
// Every state is listed in claim order (priority, highest first, then availableAt, then publish
// order), which is the order of the messages_claim index on both drivers: a page is an index
// range seek after the cursor's position, never an OFFSET and never a sort of the whole state.

export const BROWSE_STATES = ["ready", "delayed", "leased", "grouped", "dead"] as const;
export type BrowseState = (typeof BROWSE_STATES)[number];

/** The last message of a page, in claim order; the next page starts after it. */
export interface BrowsePosition {
  priority: number;
  availableAt: number;
  seq: number;
}

export interface BrowsePage {
  messages: MessageRecord[];
  /** Null on the last page. */
  next: BrowsePosition | null;
}

export function parseBrowseState(raw: string | undefined): BrowseState {
  if (raw === undefined) return "ready";
  if ((BROWSE_STATES as readonly string[]).includes(raw)) return raw as BrowseState;
  throw invalidField("state", `must be one of ${BROWSE_STATES.join(", ")}`);
}

/** The client's cursor: the state it belongs to, the position, and a check against typos. */
export function encodeBrowseCursor(state: BrowseState, position: BrowsePosition | null): string | null {
  if (position === null) return null;
  const inner = [state, position.priority, position.availableAt, position.seq].map(String).join(".");
  return `${inner}.${cursorCheck(inner)}`;
}

/** The position inside `?after=` for `state` (null when absent); a 400 naming `after` when it is not one we issued for that state. */
export function decodeBrowseCursor(state: BrowseState, raw: string | undefined): BrowsePosition | null {
  if (raw === undefined) return null;
  const parts = raw.split(".");
  const inner = parts.slice(0, 4).join(".");
  const numbers = parts.slice(1, 4).map(Number);
  const valid = parts.length === 5 && parts[4] === cursorCheck(inner) && numbers.every((n) => Number.isSafeInteger(n));
  if (!valid) {
    throw invalidField(
      "after",
      "is not a cursor this broker issued; pass the nextCursor of the previous page, or omit after for the first page",
    );
  }
  if (parts[0] !== state) {
    throw invalidField("after", `is a cursor for state ${parts[0]}, not ${state}; omit after when changing state`);
  }
  const [priority, availableAt, seq] = numbers as [number, number, number];
  return { priority, availableAt, seq };
}
