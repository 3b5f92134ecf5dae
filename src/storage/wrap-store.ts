import type { Store } from "./store.ts";

const AGGREGATES = ["queues", "messages", "deadLetters", "topics", "maintenance", "deliveries"] as const;

type StoreCall = (...args: unknown[]) => Promise<unknown>;

/**
 * A store whose every aggregate call (`messages.publish`, `queues.get`, …) goes through
 * `around(operation, call)`, for the decorators that time, trace or gate store calls. `around` is
 * asked once per operation and its result cached, so a call costs one map lookup on top of the
 * decorator's own work. The rest of the contract (clock, notifier, leadership, close) passes through.
 */
export function wrapStoreCalls(store: Store, around: (operation: string, call: StoreCall) => StoreCall): Store {
  const wrapped: Record<string, unknown> = {};
  for (const aggregate of AGGREGATES) {
    const target = store[aggregate] as unknown as Record<string, StoreCall>;
    const cache = new Map<string, StoreCall>();
    wrapped[aggregate] = new Proxy(
      {},
      {
        get: (_target, method) => {
          if (typeof method !== "string") return undefined;
          let fn = cache.get(method);
          if (!fn) {
            fn = around(`${aggregate}.${method}`, (...args) => target[method]!(...args));
            cache.set(method, fn);
          }
          return fn;
        },
      },
    );
  }
  return {
    dialect: store.dialect,
    ...(wrapped as Pick<Store, (typeof AGGREGATES)[number]>),
    ping: () => store.ping(),
    writeHealth: () => store.writeHealth(),
    notifier: store.notifier,
    now: () => store.now(),
    holdsLeadership: () => store.holdsLeadership(),
    close: () => store.close(),
  };
}
