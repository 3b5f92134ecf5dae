import { invalidField } from "./errors.ts";

// The dead-letter page cursor as clients see it: the store's cursor, a dot, and a check of four
// base-36 characters. The store's cursor alone is any base-36 text, so a mistyped or invented
// cursor (`after=garbage`) would read as a position and answer an empty page; with the check it
// is refused with a 400 naming `after`.

const DEFAULT_PAGE_SIZE = 100;
export const MAX_DEAD_LETTER_PAGE_SIZE = 1000;

export interface DeadLetterQuery {
  /** The store's cursor, or null for the first page. */
  after: string | null;
  limit: number;
}

/** Parses `?after=&limit=` of GET /v1/queues/{q}/dead; throws a 400 naming the bad parameter. */
export function parseDeadLetterQuery(query: {
  after?: string | undefined;
  limit?: string | undefined;
}): DeadLetterQuery {
  return { after: query.after === undefined ? null : openCursor(query.after), limit: parseLimit(query.limit) };
}

/** The `nextCursor` to answer with, from the store's. */
export function deadLetterCursor(storeCursor: string | null): string | null {
  return storeCursor === null ? null : `${storeCursor}.${check(storeCursor)}`;
}

function openCursor(raw: string): string {
  const dot = raw.lastIndexOf(".");
  const inner = raw.slice(0, dot);
  if (dot <= 0 || raw.slice(dot + 1) !== check(inner)) {
    throw invalidField(
      "after",
      "is not a cursor this broker issued; pass the nextCursor of the previous page, or omit after for the first page",
    );
  }
  return inner;
}

function parseLimit(raw: string | undefined): number {
  if (raw === undefined) return DEFAULT_PAGE_SIZE;
  const limit = /^\d+$/.test(raw) ? Number(raw) : NaN;
  if (!(limit >= 1 && limit <= MAX_DEAD_LETTER_PAGE_SIZE)) {
    throw invalidField("limit", `must be a whole number from 1 to ${MAX_DEAD_LETTER_PAGE_SIZE}`);
  }
  return limit;
}

/** FNV-1a of the text, as four base-36 characters: catches typos and made-up cursors, not forgery. */
function check(text: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return (hash % 36 ** 4).toString(36).padStart(4, "0");
}
