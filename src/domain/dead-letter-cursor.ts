import { invalidField } from "./errors.ts";

// The dead-letter page cursor as clients see it: the store's cursor, a dot, and a check of four
// base-36 characters. The store's cursor alone is any base-36 text, so a mistyped or invented
// cursor (`after=garbage`) would read as a position and answer an empty page; with the check it
// is refused with a 400 naming `after`.

/** The `nextCursor` to answer with, from the store's. */
export function deadLetterCursor(storeCursor: string | null): string | null {
  return storeCursor === null ? null : `${storeCursor}.${check(storeCursor)}`;
}

/** The store's cursor inside `?after=` (null when absent); a 400 naming `after` when it is not one we issued. */
export function openDeadLetterCursor(raw: string | undefined): string | null {
  if (raw === undefined) return null;
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

/** FNV-1a of the text, as four base-36 characters: catches typos and made-up cursors, not forgery. */
function check(text: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return (hash % 36 ** 4).toString(36).padStart(4, "0");
}
