import type { SQL } from "bun";
import type { TransitionCount } from "../store.ts";

/** PostgreSQL returns bigint (int8) and numeric values as strings; every column read goes through these. */
export function num(value: unknown): number {
  return typeof value === "number" ? value : Number(value);
}

export function numOrNull(value: unknown): number | null {
  return value === null || value === undefined ? null : num(value);
}

/** Counts lease expiries and dead-letterings for metrics (this instance's share of them). */
export class TransitionCounter {
  private counts = new Map<string, TransitionCount>();

  add(queue: string, kind: "expired" | "deadLettered", n = 1): void {
    let counts = this.counts.get(queue);
    if (!counts) {
      counts = { queue, expired: 0, deadLettered: 0 };
      this.counts.set(queue, counts);
    }
    counts[kind] += n;
  }

  take(): TransitionCount[] {
    const taken = [...this.counts.values()];
    this.counts = new Map();
    return taken;
  }
}

/** One transaction's client plus the transitions it made, counted only once it commits. */
export interface Tx {
  readonly sql: SQL;
  count(queue: string, kind: "expired" | "deadLettered"): void;
  /** `n` messages of `queue` became ready in a way no caller sees (an ordering group moved on); woken after the commit. */
  becameReady(queue: string, n: number): void;
}

// Deadlock detected, serialization failure: PostgreSQL rolled the transaction back whole, so
// running it again is safe. Group locks are taken in sorted order, so these should be rare.
const RETRYABLE = new Set(["40P01", "40001"]);
const ATTEMPTS = 4;

export class PgDatabase {
  constructor(
    readonly sql: SQL,
    private readonly counter: TransitionCounter,
    /** Wakes receivers of a queue on every instance (the store's notifier). */
    private readonly wake: (queue: string, n: number) => void = () => undefined,
  ) {}

  async transaction<T>(work: (tx: Tx) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const pending: Array<[string, "expired" | "deadLettered"]> = [];
      const ready: Array<[string, number]> = [];
      try {
        const result = await this.sql.begin((sql) =>
          work({
            sql,
            count: (queue, kind) => pending.push([queue, kind]),
            becameReady: (queue, n) => ready.push([queue, n]),
          }),
        );
        for (const [queue, kind] of pending) this.counter.add(queue, kind);
        for (const [queue, n] of ready) this.wake(queue, n);
        return result;
      } catch (error) {
        const sqlState = (error as { errno?: unknown }).errno;
        if (attempt >= ATTEMPTS || typeof sqlState !== "string" || !RETRYABLE.has(sqlState)) throw error;
      }
    }
  }
}

/** The rows a query returned (Bun types every result as any). */
export async function rows<T = Record<string, unknown>>(query: PromiseLike<unknown>): Promise<T[]> {
  return (await query) as T[];
}

/** How many rows an INSERT, UPDATE or DELETE touched. */
export async function affected(query: PromiseLike<unknown>): Promise<number> {
  return ((await query) as { count: number }).count;
}
