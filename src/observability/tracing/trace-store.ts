import { context, SpanKind, trace, type Tracer } from "@opentelemetry/api";
import { ATTR_DB_OPERATION_NAME, ATTR_DB_SYSTEM_NAME } from "@opentelemetry/semantic-conventions";
import type { Store } from "../../storage/store.ts";
import { wrapStoreCalls } from "../../storage/wrap-store.ts";
import { failed } from "./messaging-spans.ts";

/**
 * Gives each store call its own client span, so that a slow database shows as such in a trace.
 * Only calls made inside a traced operation get one: the background loops (stats, sweeps,
 * polling) would otherwise fill the export queue with root spans of no interest.
 */
export function traceStore(store: Store, tracer: Tracer): Store {
  const system = store.dialect === "postgres" ? "postgresql" : "sqlite";
  return wrapStoreCalls(store, (operation, call) => (...args) => {
    const active = context.active();
    if (trace.getSpan(active) === undefined) return call(...args);
    const span = tracer.startSpan(
      operation,
      {
        kind: SpanKind.CLIENT,
        attributes: { [ATTR_DB_SYSTEM_NAME]: system, [ATTR_DB_OPERATION_NAME]: operation },
      },
      active,
    );
    return call(...args).then(
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
  });
}
