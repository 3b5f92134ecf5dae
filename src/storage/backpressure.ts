import { overloaded } from "../domain/errors.ts";
import type { Store } from "./store.ts";

const AGGREGATES = ["queues", "messages", "deadLetters", "topics", "maintenance", "deliveries"] as const;

/** New work, refused when the store is saturated; everything else (acks, receives) drains it and goes on. */
const REFUSABLE = new Set(["messages.publish", "topics.publish"]);

/** Store operations this process has started and not yet seen answered. */
export interface PendingOperations {
  readonly count: number;
}

/**
 * Admission control in front of the store. Without it every publish that arrives while the
 * SQLite writer (or the PostgreSQL pool) is busy waits in memory: the writer's pending batches or
 * the pool's queue grow as fast as clients send, without bound. With it, a publish that finds
 * `limit` operations already waiting is refused at once (503 overloaded, Retry-After), so the
 * queue, and the memory it holds, stays near `limit` whatever the load. Acks, receives and the
 * background services are never refused: they are how the backlog clears.
 */
export function withBackpressure(store: Store, limit: number): { store: Store; pending: PendingOperations } {
  const pending = { count: 0 };
  const done = () => {
    pending.count -= 1;
  };
  const wrapped: Record<string, unknown> = {};
  for (const aggregate of AGGREGATES) {
    const target = store[aggregate] as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>;
    const cache = new Map<string, (...args: unknown[]) => Promise<unknown>>();
    wrapped[aggregate] = new Proxy(
      {},
      {
        get: (_t, method) => {
          if (typeof method !== "string") return undefined;
          let fn = cache.get(method);
          if (!fn) {
            const refusable = REFUSABLE.has(`${aggregate}.${method}`);
            fn = (...args: unknown[]) => {
              if (refusable && pending.count >= limit) return Promise.reject(overloaded(pending.count, limit));
              pending.count += 1;
              return target[method]!(...args).finally(done);
            };
            cache.set(method, fn);
          }
          return fn;
        },
      },
    );
  }
  const gated: Store = {
    dialect: store.dialect,
    ...(wrapped as Pick<Store, (typeof AGGREGATES)[number]>),
    ping: () => store.ping(),
    writeHealth: () => store.writeHealth(),
    notifier: store.notifier,
    now: () => store.now(),
    holdsLeadership: () => store.holdsLeadership(),
    close: () => store.close(),
  };
  return { store: gated, pending };
}
