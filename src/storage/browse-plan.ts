import type { BrowsePage, BrowsePosition, BrowseState } from "../domain/browse.ts";
import { MessageState } from "../domain/message.ts";
import { toMessageRecord, type MessageRow } from "./message-row.ts";

// What both drivers share about browsing (see domain/browse.ts): which rows a state means, and how
// the rows of the two index range seeks become a page.

/** `time`: 0 any availableAt, 1 due by now (ready), 2 due later (delayed). */
export function browseFilter(state: BrowseState): { code: number; time: 0 | 1 | 2 } {
  switch (state) {
    case "ready":
      return { code: MessageState.ready, time: 1 };
    case "delayed":
      return { code: MessageState.ready, time: 2 };
    case "leased":
      return { code: MessageState.leased, time: 0 };
    case "dead":
      return { code: MessageState.dead, time: 0 };
    case "grouped":
      return { code: MessageState.queuedInGroup, time: 0 };
  }
}

/**
 * A page is read in two seeks of the claim index: the rest of the cursor's priority after its
 * (availableAt, seq), then the lower priorities from their start. The first page has no cursor
 * and only the second seek, from above every priority.
 */
export const ABOVE_EVERY_PRIORITY = Number.MAX_SAFE_INTEGER;

/** `rows` holds up to limit + 1 rows in claim order: the extra one tells that another page follows. */
export function toBrowsePage(rows: MessageRow[], limit: number, now: number): BrowsePage {
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  const next: BrowsePosition | null =
    rows.length > limit && last ? { priority: last.priority, availableAt: last.available_at, seq: last.seq } : null;
  return { messages: page.map((row) => toMessageRecord(row, now)), next };
}
