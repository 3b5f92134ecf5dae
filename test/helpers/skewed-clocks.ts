import type { Store } from "../../src/storage/store.ts";

// Two clocks for the clock-skew tests: the database's, which a shared store reads for every
// time-based decision, and a machine's own (Date), which may run ahead of it on one VM.

/** The clock of a database several instances share: it moves only when the test moves it. */
export class DatabaseClock {
  constructor(private at: number) {}

  now(): number {
    return this.at;
  }

  advance(ms: number): void {
    this.at += ms;
  }
}

/**
 * `store` as an instance sees it when the database decides the time: `now()` reads `clock`, never
 * the machine's. Everything else is the store itself, so two of these over one store stand for
 * two instances on one database; only the clock is simulated.
 */
export function onDatabaseClock(store: Store, clock: DatabaseClock): Store {
  return overriding(store, { now: () => clock.now() });
}

/** `store` with some members replaced; the rest are the store's own, bound to it. */
export function overriding(store: Store, overrides: Partial<Store>): Store {
  return new Proxy(store, {
    get(target, key) {
      if (Object.hasOwn(overrides, key)) return overrides[key as keyof Store];
      const value: unknown = Reflect.get(target, key, target);
      // Bound, so methods that use private state see the store itself rather than the proxy.
      return typeof value === "function" ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}

/**
 * Runs `work` as on a machine whose clock runs `offsetMs` ahead: Date.now() and `new Date()` read
 * ahead (and keep ticking) until it settles. The whole process sees it, so nothing that stands for
 * another machine may run meanwhile: callers await it before acting as the other instance.
 */
export async function onMachineClockAhead<T>(offsetMs: number, work: () => Promise<T>): Promise<T> {
  const RealDate = Date;
  const realNow = Date.now.bind(Date);
  class SkewedDate extends RealDate {
    constructor(...args: [] | [number | string | Date]) {
      if (args.length === 0) super(realNow() + offsetMs);
      else super(args[0]);
    }

    static override now(): number {
      return realNow() + offsetMs;
    }
  }
  globalThis.Date = SkewedDate as DateConstructor;
  try {
    return await work();
  } finally {
    globalThis.Date = RealDate;
  }
}
