import {
  propagation,
  ROOT_CONTEXT,
  trace,
  type Context,
  type TextMapGetter,
  type TextMapSetter,
} from "@opentelemetry/api";

export const TRACEPARENT = "traceparent";
export const TRACESTATE = "tracestate";

// The W3C propagator is registered globally by createTracing (tracing.ts), which is loaded only
// when tracing is on: @opentelemetry/core costs startup time (DESIGN §9) and these functions are
// only called for spans, which exist only then.
const recordGetter: TextMapGetter<Record<string, string>> = {
  keys: (carrier) => Object.keys(carrier),
  get: (carrier, key) => carrier[key],
};
const recordSetter: TextMapSetter<Record<string, string>> = {
  set: (carrier, key, value) => {
    carrier[key] = value;
  },
};
const headersGetter: TextMapGetter<Headers> = {
  keys: (carrier) => [...carrier.keys()],
  get: (carrier, key) => carrier.get(key) ?? undefined,
};

/** The remote context of HTTP request headers; ROOT_CONTEXT when they carry none. */
export function contextOfRequest(headers: Headers): Context {
  return propagation.extract(ROOT_CONTEXT, headers, headersGetter);
}

/** The context stored in a message's headers (`traceparent`, `tracestate`), or null. */
export function contextOfMessage(headers: Record<string, string> | null): Context | null {
  if (headers === null || headers[TRACEPARENT] === undefined) return null;
  const extracted = propagation.extract(ROOT_CONTEXT, headers, recordGetter);
  return trace.getSpanContext(extracted) ? extracted : null;
}

/** `traceparent` (and `tracestate`) of the span in `context`. */
export function traceHeaders(context: Context): Record<string, string> {
  const carrier: Record<string, string> = {};
  propagation.inject(context, carrier, recordSetter);
  return carrier;
}

/** Message headers as stored (JSON text or null) to a map; null when none or unreadable. */
export function parseStoredHeaders(stored: string | null): Record<string, string> | null {
  if (stored === null) return null;
  try {
    return JSON.parse(stored) as Record<string, string>;
  } catch {
    return null;
  }
}

const TRACEPARENT_FORMAT = /^[0-9a-f]{2}-([0-9a-f]{32})-([0-9a-f]{16})-[0-9a-f]{2}$/;
const ZERO_TRACE = "0".repeat(32);
const ZERO_SPAN = "0".repeat(16);

/** A valid W3C `traceparent` value's ids, or null; for passing a context on without tracing. */
export function parseTraceparent(value: string | null | undefined): { traceId: string; spanId: string } | null {
  if (!value) return null;
  const match = TRACEPARENT_FORMAT.exec(value.trim());
  if (!match || match[1] === ZERO_TRACE || match[2] === ZERO_SPAN || value.startsWith("ff")) return null;
  return { traceId: match[1]!, spanId: match[2]! };
}
