import { overloaded } from "../domain/errors.ts";
import type { Store } from "./store.ts";
import { wrapStoreCalls } from "./wrap-store.ts";

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
  const gated = wrapStoreCalls(store, (operation, call) => {
    const refusable = REFUSABLE.has(operation);
    return (...args) => {
      if (refusable && pending.count >= limit) return Promise.reject(overloaded(pending.count, limit));
      pending.count += 1;
      return call(...args).finally(done);
    };
  });
  return { store: gated, pending };
}
