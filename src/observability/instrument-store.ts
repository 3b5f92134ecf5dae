import type { Store } from "../storage/store.ts";
import type { Metrics } from "./metrics.ts";

const AGGREGATES = ["queues", "messages", "deadLetters", "topics", "maintenance", "deliveries"] as const;

/**
 * Wraps every store call in a timer for `millrace_db_query_duration_seconds{operation}`.
 * Wrapped methods and their histogram children are made once per operation, so a call costs
 * two clock reads and one observation.
 */
export function instrumentStore(store: Store, metrics: Metrics): Store {
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
            const histogram = metrics.dbQueryDuration.labels(`${aggregate}.${method}`);
            fn = (...args: unknown[]) => {
              const started = performance.now();
              return target[method]!(...args).finally(() => histogram.observe((performance.now() - started) / 1000));
            };
            cache.set(method, fn);
          }
          return fn;
        },
      },
    );
  }
  const ping = metrics.dbQueryDuration.labels("ping");
  return {
    dialect: store.dialect,
    ...(wrapped as Pick<Store, (typeof AGGREGATES)[number]>),
    ping: () => {
      const started = performance.now();
      return store.ping().finally(() => ping.observe((performance.now() - started) / 1000));
    },
    writeHealth: () => store.writeHealth(),
    notifier: store.notifier,
    now: () => store.now(),
    holdsLeadership: () => store.holdsLeadership(),
    close: () => store.close(),
  };
}
