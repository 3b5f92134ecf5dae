import { createNoopMeter, type Attributes, type Counter, type Meter, type MeterProvider } from "@opentelemetry/api";
import type { Metrics } from "../metrics.ts";

// The SDK's own count of spans its batch processor finished with, by outcome (semantic conventions).
const PROCESSED = "otel.sdk.processor.span.processed";

/**
 * The batch span processor reports every span it is done with to a meter: exported, dropped
 * because the queue was full (`error.type` queue_full), or lost with a failed export (the
 * error's name). This meter turns those reports into Prometheus counters; everything else it
 * is asked for is a no-op.
 */
export function spanCounters(metrics: Metrics): MeterProvider {
  const noop = createNoopMeter();
  const processed: Counter = {
    add(value: number, attributes?: Attributes) {
      // Bounded label values: the queue was full, or the export failed (timeout, refused, HTTP error).
      const error = attributes?.["error.type"];
      if (error === undefined) metrics.traceSpansExported.inc(value);
      else metrics.traceSpansDropped.inc({ reason: error === "queue_full" ? "queue_full" : "export_failed" }, value);
    },
  };
  const meter: Meter = Object.assign(Object.create(noop) as Meter, {
    createCounter: (name: string) => (name === PROCESSED ? processed : noop.createCounter(name)),
  });
  return { getMeter: () => meter };
}
