import type { SQL } from "bun";

/** How often the offset to the database's clock is measured again. */
const REFRESH_MS = 10_000;

/**
 * The database's clock, read without a round trip per call. Several instances on several VMs
 * share one database, and their own clocks differ: lease expiry, availableAt, dedup windows and
 * retention are judged on the database's clock so that no instance's skew expires a lease early
 * or lets it live too long. The offset between this machine's clock and the database's
 * `clock_timestamp()` is measured at open and every 10 s, taking the database's reading as of
 * the middle of the round trip.
 */
export class DatabaseClock {
  private offsetMs = 0;
  private timer: ReturnType<typeof setInterval> | null = null;

  private constructor(
    private readonly sql: SQL,
    private readonly localClock: () => number,
  ) {}

  /** `localClock` is this machine's clock; tests pass a skewed one. */
  static async start(sql: SQL, localClock: () => number = Date.now): Promise<DatabaseClock> {
    const clock = new DatabaseClock(sql, localClock);
    await clock.measure();
    clock.timer = setInterval(() => {
      // A failed measurement keeps the previous offset: clocks drift by far less than 10 s allows.
      clock.measure().catch(() => undefined);
    }, REFRESH_MS);
    clock.timer.unref();
    return clock;
  }

  now(): number {
    return Math.round(this.localClock() + this.offsetMs);
  }

  /** Milliseconds the database's clock is ahead of this machine's (negative when behind). */
  offset(): number {
    return this.offsetMs;
  }

  async measure(): Promise<void> {
    const sent = this.localClock();
    const [row] = (await this.sql`SELECT (extract(epoch FROM clock_timestamp()) * 1000)::float8 AS ms`) as Array<{
      ms: number;
    }>;
    const received = this.localClock();
    this.offsetMs = Number(row!.ms) - (sent + received) / 2;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}
