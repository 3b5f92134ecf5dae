import { invalidField } from "./errors.ts";
import { cursorCheck } from "./cursor-check.ts";

// The dead-letter page cursor as clients see it: the store's cursor, a dot, and a check of four
// base-36 characters. The store's cursor alone is any base-36 text, so a mistyped or invented
// cursor (`after=garbage`) would read as a position and answer an empty page; with the check it
// is refused with a 400 naming `after`.

/** The `nextCursor` to answer with, from the store's. */
export function deadLetterCursor(storeCursor: string | null): string | null {
  return storeCursor === null ? null : `${storeCursor}.${cursorCheck(storeCursor)}`;
}

/** The store's cursor inside `?after=` (null when absent); a 400 naming `after` when it is not one we issued. */
export function openDeadLetterCursor(raw: string | undefined): string | null {
  if (raw === undefined) return null;
  const dot = raw.lastIndexOf(".");
  const inner = raw.slice(0, dot);
  if (dot <= 0 || raw.slice(dot + 1) !== cursorCheck(inner)) {
    throw invalidField(
      "after",
      "is not a cursor this broker issued; pass the nextCursor of the previous page, or omit after for the first page",
    );
  }
  return inner;
}
