import { context, propagation, type Tracer } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { W3CTraceContextPropagator } from "@opentelemetry/core";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { BatchSpanProcessor, TracerProvider } from "@opentelemetry/sdk-trace";
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from "@opentelemetry/semantic-conventions";
import type { Config } from "../../config/schema.ts";
import { VERSION } from "../../version.ts";
import type { Metrics } from "../metrics.ts";
import { spanCounters } from "./span-counters.ts";
import { createSampler } from "./sampler.ts";

export interface Tracing {
  readonly tracer: Tracer;
  /** Exports what is queued, waiting at most the export timeout; for shutdown. */
  shutdown(): Promise<void>;
  forceFlush(): Promise<void>;
}

/** Bounds that keep an unreachable collector from costing requests anything but dropped spans. */
export interface ExportBounds {
  maxQueueSize: number;
  maxExportBatchSize: number;
  scheduledDelayMillis: number;
  exportTimeoutMillis: number;
}

export const EXPORT_BOUNDS: ExportBounds = {
  maxQueueSize: 2048,
  maxExportBatchSize: 512,
  scheduledDelayMillis: 1000,
  exportTimeoutMillis: 10_000,
};

let contextManagerRegistered = false;

/**
 * The tracer of one app, or null when no OTLP endpoint is set: then nothing of OpenTelemetry
 * runs on a request. Spans are batched and exported in the background; the queue is bounded and
 * what does not fit, or fails to export, is counted in `millrace_trace_spans_dropped_total`.
 * The provider is the app's own, not the global one, so several apps in one process stay apart.
 */
export function createTracing(
  config: Config,
  metrics: Metrics | null,
  bounds: ExportBounds = EXPORT_BOUNDS,
): Tracing | null {
  if (config.otlpEndpoint === null) return null;
  registerContextManager();
  const exporter = new OTLPTraceExporter({
    url: `${config.otlpEndpoint}/v1/traces`,
    headers: config.otlpHeaders ?? {},
    timeoutMillis: bounds.exportTimeoutMillis,
  });
  const processor = new BatchSpanProcessor({
    exporter,
    ...bounds,
    ...(metrics ? { selfObsMeterProvider: spanCounters(metrics) } : {}),
  });
  const provider = new TracerProvider({
    resource: resourceFromAttributes({
      [ATTR_SERVICE_NAME]: config.otelServiceName,
      [ATTR_SERVICE_VERSION]: VERSION,
    }),
    sampler: createSampler(config.otelSampler, config.otelSamplerArg),
    spanProcessors: [processor],
  });
  return {
    tracer: provider.getTracer("millrace", VERSION),
    shutdown: () => provider.shutdown(),
    forceFlush: () => provider.forceFlush(),
  };
}

/**
 * Spans find their parent through the active context, which follows async calls only with a
 * context manager, and cross processes in `traceparent` headers through the propagator. Both are
 * process-wide by nature, so they are set once, when the first app with tracing starts (never at
 * import), and left in place for the others.
 */
function registerContextManager(): void {
  if (contextManagerRegistered) return;
  contextManagerRegistered = true;
  const manager = new AsyncLocalStorageContextManager().enable();
  if (!context.setGlobalContextManager(manager)) manager.disable();
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
}
