import { SQL } from "bun";
import type { ClientTls } from "./tls.ts";
import { withDeadline } from "./deadline.ts";

// The advisory lock that makes one instance the fleet's leader (two-key form: namespace, key).
const LOCK_NAMESPACE = 0x4d520001;
const LEADER_KEY = 1;

/**
 * Leadership for the once-per-fleet services (lease sweeper, retention): a session-level
 * `pg_try_advisory_lock` on a connection of its own, held for as long as that session lives.
 * When the leader dies its session ends, PostgreSQL releases the lock, and the next instance
 * that asks takes it. Every check asks the database whether this session still holds the lock,
 * so a connection that dropped and was replaced (a new session, without the lock) reads as not
 * leading until the lock is taken again.
 */
export class Leadership {
  private readonly sql: SQL;

  constructor(
    url: string,
    tls: ClientTls,
    connectTimeoutSeconds: number,
    private readonly deadlineMs: number,
  ) {
    // One connection, never closed for idleness: closing it would give up the lock.
    this.sql = new SQL({
      ...tls,
      url,
      max: 1,
      idleTimeout: 0,
      maxLifetime: 0,
      connectionTimeout: connectTimeoutSeconds,
    });
  }

  async holds(): Promise<boolean> {
    try {
      const [row] = (await withDeadline(
        this.deadlineMs,
        () => this.sql`
        SELECT CASE
                 WHEN EXISTS (SELECT 1 FROM pg_locks
                               WHERE locktype = 'advisory' AND pid = pg_backend_pid() AND granted
                                 AND classid = ${LOCK_NAMESPACE}::oid AND objid = ${LEADER_KEY}::oid AND objsubid = 2)
                 THEN true
                 ELSE pg_try_advisory_lock(${LOCK_NAMESPACE}, ${LEADER_KEY})
               END AS held`,
      )) as Array<{ held: boolean }>;
      return row?.held === true;
    } catch {
      // The database is unreachable: whoever leads cannot act either; ask again next time.
      return false;
    }
  }

  async close(): Promise<void> {
    await this.sql.close().catch(() => undefined);
  }
}
