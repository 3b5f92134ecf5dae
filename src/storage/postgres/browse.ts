import type { BrowsePage, BrowsePosition, BrowseState } from "../../domain/browse.ts";
import { ABOVE_EVERY_PRIORITY, browseFilter, toBrowsePage } from "../browse-plan.ts";
import type { MessageRow } from "../message-row.ts";
import type { PgDatabase } from "./db.ts";
import { releaseExpiredIfDue } from "./lifecycle.ts";
import { requireQueue, toMessageRow, type RawMessageRow } from "./rows.ts";

/** Expired leases turned over first, so that "leased" lists only leases still held (the sweeper does the rest). */
const EXPIRED_LEASES_PER_BROWSE = 1000;

/**
 * One page of a state in claim order, read without locking or leasing anything: two range seeks
 * on messages_claim (queue, state, priority DESC, available_at, seq), see browse-plan.ts. The
 * availableAt filter is a parameter (0 none, 1 due by now, 2 due later), not text pasted in.
 */
export async function browseMessages(
  db: PgDatabase,
  queue: string,
  state: BrowseState,
  after: BrowsePosition | null,
  limit: number,
  now: number,
): Promise<BrowsePage> {
  await requireQueue(db.sql, queue);
  if (state === "leased") await releaseExpiredIfDue(db, queue, now, EXPIRED_LEASES_PER_BROWSE);
  const { code, time } = browseFilter(state);
  const rows: MessageRow[] = [];
  if (after !== null) {
    const raw = (await db.sql`
      SELECT * FROM messages
       WHERE queue = ${queue} AND state = ${code} AND priority = ${after.priority}
         AND (available_at, seq) > (${after.availableAt}::int8, ${after.seq}::int8) AND (${time}::int = 0 OR (available_at <= ${now}) = (${time}::int = 1))
       ORDER BY available_at, seq LIMIT ${limit + 1}`) as RawMessageRow[];
    rows.push(...raw.map(toMessageRow));
  }
  if (rows.length <= limit) {
    const raw = (await db.sql`
      SELECT * FROM messages
       WHERE queue = ${queue} AND state = ${code} AND priority < ${after?.priority ?? ABOVE_EVERY_PRIORITY}::int8
         AND (${time}::int = 0 OR (available_at <= ${now}) = (${time}::int = 1))
       ORDER BY priority DESC, available_at, seq LIMIT ${limit + 1 - rows.length}`) as RawMessageRow[];
    rows.push(...raw.map(toMessageRow));
  }
  return toBrowsePage(rows, limit, now);
}
