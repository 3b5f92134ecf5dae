import { context, SpanKind, trace, type Tracer } from "@opentelemetry/api";
import { ATTR_DB_OPERATION_NAME, ATTR_DB_SYSTEM_NAME } from "@opentelemetry/semantic-conventions";
import type { Store } from "../../storage/store.ts";
import { failed } from "./messaging-spans.ts";

const AGGREGATES = ["queues", "messages", "deadLetters", "topics", "maintenance", "deliveries"] as const;

/**
 * Gives each store call its own client span, so that a slow database shows as such in a trace.
 * Only calls made inside a traced operation get one: the background loops (stats, sweeps,
 * polling) would otherwise fill the export queue with root spans of no interest.
 */
export function traceStore(store: Store, tracer: Tracer): Store {
  const system = store.dialect === "postgres" ? "postgresql" : "sqlite";
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
            const operation = `${aggregate}.${method}`;
            fn = (...args: unknown[]) => {
              const active = context.active();
              if (trace.getSpan(active) === undefined) return target[method]!(...args);
              const span = tracer.startSpan(
                operation,
                {
                  kind: SpanKind.CLIENT,
                  attributes: { [ATTR_DB_SYSTEM_NAME]: system, [ATTR_DB_OPERATION_NAME]: operation },
                },
                active,
              );
              return target[method]!(...args).then(
                (value) => {
                  span.end();
                  return value;
                },
                (error: unknown) => {
                  failed(span, error);
                  span.end();
                  throw error;
                },
              );
            };
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
