import type { BrowsePage, BrowsePosition, BrowseState } from "../../domain/browse.ts";
import { ABOVE_EVERY_PRIORITY, browseFilter, toBrowsePage } from "../browse-plan.ts";
import type { MessageRow } from "../message-row.ts";
import type { SqliteContext } from "./context.ts";
import type { MessageLifecycle } from "./lifecycle.ts";

/** Expired leases turned over first, so that "leased" lists only leases still held (the sweeper does the rest). */
const EXPIRED_LEASES_PER_BROWSE = 1000;

// Both statements are range seeks on messages_claim (queue, state, priority DESC, available_at, seq).
// ?6 picks the availableAt filter: 0 none, 1 due by ?5, 2 due after ?5.
const SAME_PRIORITY = `SELECT * FROM messages
  WHERE queue = ?1 AND state = ?2 AND priority = ?3 AND (available_at, seq) > (?4, ?7)
    AND (?6 = 0 OR (available_at <= ?5) = (?6 = 1))
  ORDER BY available_at, seq LIMIT ?8`;
const LOWER_PRIORITIES = `SELECT * FROM messages
  WHERE queue = ?1 AND state = ?2 AND priority < ?3
    AND (?6 = 0 OR (available_at <= ?5) = (?6 = 1))
  ORDER BY priority DESC, available_at, seq LIMIT ?8`;

type Params = [string, number, number, number, number, number, number, number];

export function browseMessages(
  ctx: SqliteContext,
  lifecycle: MessageLifecycle,
  queue: string,
  state: BrowseState,
  after: BrowsePosition | null,
  limit: number,
  now: number,
): BrowsePage {
  ctx.requireQueue(queue);
  if (state === "leased") lifecycle.releaseExpired(queue, now, EXPIRED_LEASES_PER_BROWSE);
  const { code, time } = browseFilter(state);
  const rows: MessageRow[] = [];
  if (after !== null) {
    rows.push(
      ...ctx.db
        .query<MessageRow, Params>(SAME_PRIORITY)
        .all(queue, code, after.priority, after.availableAt, now, time, after.seq, limit + 1),
    );
  }
  if (rows.length <= limit) {
    rows.push(
      ...ctx.db
        .query<MessageRow, Params>(LOWER_PRIORITIES)
        .all(queue, code, after?.priority ?? ABOVE_EVERY_PRIORITY, 0, now, time, 0, limit + 1 - rows.length),
    );
  }
  return toBrowsePage(rows, limit, now);
}
