// The files one by one, not the package's index: the index also loads the Pushgateway, which
// pulls in node:http and node:https, and cluster support: 61 -> 27 ms of CPU to import alone, and
// with lazy tracing (load-tracing.ts) the binary's module evaluation 55 -> 45 ms (DESIGN §9 startup).
import Counter from "prom-client/lib/counter";
import collectDefaultMetrics from "prom-client/lib/defaultMetrics";
import Gauge from "prom-client/lib/gauge";
import Histogram from "prom-client/lib/histogram";
import Registry from "prom-client/lib/registry";
import { RequestCounter, RequestHistogram } from "./request-metrics.ts";

/** The per-queue message counters, one per broker event (DESIGN §6). */
export const MESSAGE_EVENTS = ["published", "delivered", "acked", "nacked", "dead_lettered", "expired"] as const;
export type MessageEvent = (typeof MESSAGE_EVENTS)[number];

/** The states `millrace_queue_messages` reports, matching the queue stats of the API. */
export const QUEUE_STATES = ["ready", "delayed", "leased", "dead", "grouped"] as const;

export interface BuildInfo {
  version: string;
  commit: string;
  bun: string;
}

/**
 * Every metric Millrace exports, declared in one place on its own registry (not prom-client's
 * global one), so several apps in one test process never share series. Nothing is registered
 * at import time; `createMetrics` does it.
 */
export function createMetrics(build: BuildInfo, options: { processMetrics?: boolean } = {}) {
  const registry = new Registry();
  const registers = [registry];
  if (options.processMetrics ?? true) collectDefaultMetrics({ register: registry });

  const messages = Object.fromEntries(
    MESSAGE_EVENTS.map((event) => [
      event,
      new RequestCounter({
        name: `millrace_messages_${event}_total`,
        help: `Messages ${event.replace("_", "-")} per queue`,
        labelNames: ["queue"] as const,
        registers,
      }),
    ]),
  ) as Record<MessageEvent, RequestCounter<"queue">>;

  const buildInfo = new Gauge({
    name: "millrace_build_info",
    help: "Always 1; the labels name the running build",
    labelNames: ["version", "commit", "bun"] as const,
    registers,
  });
  buildInfo.set({ ...build }, 1);
  // Read at scrape time rather than counted per request: the edge owns the number.
  const inFlight = { read: (): number => 0 };
  const storePending = { read: (): number => 0 };

  return {
    registry,
    httpRequests: new RequestCounter({
      name: "millrace_http_requests_total",
      help: "HTTP requests answered, by method, route template and status",
      labelNames: ["method", "route", "status"] as const,
      registers,
    }),
    httpDuration: new RequestHistogram({
      name: "millrace_http_request_duration_seconds",
      help: "Time from receiving a request's headers to answering it (long-polls included)",
      labelNames: ["method", "route"] as const,
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers,
    }),
    inFlight,
    httpInFlight: new Gauge({
      name: "millrace_http_requests_in_flight",
      help: "HTTP requests being handled now, long-polls included",
      registers,
      collect() {
        this.set(inFlight.read());
      },
    }),
    storePending,
    storePendingOperations: new Gauge({
      name: "millrace_store_pending_operations",
      help: "Database operations started and not yet answered; publishes get 503 once MILLRACE_MAX_PENDING_WRITES wait",
      registers,
      collect() {
        this.set(storePending.read());
      },
    }),
    messages,
    queueMessages: new Gauge({
      name: "millrace_queue_messages",
      help: "Messages per queue and state, as of the last stats refresh",
      labelNames: ["queue", "state"] as const,
      registers,
    }),
    queueMaxMessages: new Gauge({
      name: "millrace_queue_max_messages",
      help: "The queue's maxMessages setting (0 means unbounded), as of the last stats refresh",
      labelNames: ["queue"] as const,
      registers,
    }),
    queuePaused: new Gauge({
      name: "millrace_queue_paused",
      help: "1 while the queue is paused (receives and webhook delivery stopped), else 0; as of the last stats refresh",
      labelNames: ["queue"] as const,
      registers,
    }),
    queueOldestReadyAge: new Gauge({
      name: "millrace_queue_oldest_ready_age_seconds",
      help: "Age of the oldest ready message per queue, as of the last stats refresh; 0 when none is ready",
      labelNames: ["queue"] as const,
      registers,
    }),
    statsRefreshDuration: new Gauge({
      name: "millrace_stats_refresh_duration_seconds",
      help: "How long the last per-queue stats refresh took",
      registers,
    }),
    webhookRequests: new Counter({
      name: "millrace_webhook_requests_total",
      help: "Webhook delivery attempts per queue and outcome",
      labelNames: ["queue", "outcome"] as const,
      registers,
    }),
    webhookDuration: new Histogram({
      name: "millrace_webhook_duration_seconds",
      help: "Webhook delivery attempt duration",
      labelNames: ["queue"] as const,
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    }),
    webhookCircuitState: new Gauge({
      name: "millrace_webhook_circuit_state",
      help: "Circuit breaker of the queue's webhook endpoint: 0 closed, 1 half-open (one probe allowed), 2 open",
      labelNames: ["queue"] as const,
      registers,
    }),
    webhookEndpointDisabled: new Gauge({
      name: "millrace_webhook_endpoint_disabled",
      help: "1 while the queue's webhook endpoint is disabled by a 410 answer (a PUT of the queue re-enables it)",
      labelNames: ["queue"] as const,
      registers,
    }),
    webhookDeliveryLag: new Gauge({
      name: "millrace_webhook_delivery_lag_seconds",
      help: "Age of the oldest message of a delivery queue not yet acked or dead-lettered; 0 when none",
      labelNames: ["queue"] as const,
      registers,
    }),
    dbQueryDuration: new RequestHistogram({
      name: "millrace_db_query_duration_seconds",
      help: "Store operation latency as the broker sees it (group-commit wait included), by operation",
      labelNames: ["operation"] as const,
      buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5],
      registers,
    }),
    authFailures: new Counter({
      name: "millrace_auth_failures_total",
      help: "Requests refused by authentication or authorization, by error code",
      labelNames: ["code"] as const,
      registers,
    }),
    traceSpansExported: new Counter({
      name: "millrace_trace_spans_exported_total",
      help: "Trace spans sent to the OTLP collector",
      registers,
    }),
    traceSpansDropped: new Counter({
      name: "millrace_trace_spans_dropped_total",
      help: "Trace spans lost: queue_full when the export queue was full, export_failed when the collector did not take them",
      labelNames: ["reason"] as const,
      registers,
    }),
    rateLimited: new Counter({
      name: "millrace_rate_limited_total",
      help: "Requests answered 429 by the per-principal rate limit",
      registers,
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;

/** The Prometheus text exposition of `registry`, as an HTTP response. */
export async function metricsResponse(metrics: Metrics): Promise<Response> {
  return new Response(await metrics.registry.metrics(), {
    headers: { "content-type": metrics.registry.contentType },
  });
}
