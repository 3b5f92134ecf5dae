import { parseTraceparent } from "../observability/tracing/trace-context.ts";

/**
 * Gives each message without a `traceparent` header of its own the one the publish request
 * carried (and its `tracestate`), so that a producer's trace reaches the consumer even with
 * tracing off here. With tracing on the broker's publish span does this, as a child of it.
 */
export function withCallerContext<T extends { headers?: Record<string, string> }>(inputs: T[], headers: Headers): T[] {
  const traceparent = headers.get("traceparent");
  if (traceparent === null || parseTraceparent(traceparent) === null) return inputs;
  const tracestate = headers.get("tracestate");
  const carried: Record<string, string> = tracestate ? { traceparent, tracestate } : { traceparent };
  return inputs.map((input) =>
    input.headers?.traceparent === undefined ? { ...input, headers: { ...input.headers, ...carried } } : input,
  );
}
