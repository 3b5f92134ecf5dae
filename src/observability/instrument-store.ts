import type { Store } from "../storage/store.ts";
import { wrapStoreCalls } from "../storage/wrap-store.ts";
import type { Metrics } from "./metrics.ts";

/**
 * Wraps every store call in a timer for `millrace_db_query_duration_seconds{operation}`.
 * Wrapped methods and their histogram children are made once per operation, so a call costs
 * two clock reads and one observation.
 */
export function instrumentStore(store: Store, metrics: Metrics): Store {
  const timed = <A extends unknown[], R>(operation: string, call: (...args: A) => Promise<R>) => {
    const histogram = metrics.dbQueryDuration.labels(operation);
    return (...args: A): Promise<R> => {
      const started = performance.now();
      return call(...args).finally(() => histogram.observe((performance.now() - started) / 1000));
    };
  };
  const instrumented = wrapStoreCalls(store, timed);
  return { ...instrumented, ping: timed("ping", () => store.ping()) };
}
