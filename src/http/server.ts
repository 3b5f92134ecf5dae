import type { Tracer } from "@opentelemetry/api";
import type { Server } from "bun";
import type { Authenticator } from "../auth/authenticator.ts";
import type { Config } from "../config/schema.ts";
import type { Logger } from "../observability/logger.ts";
import type { Metrics } from "../observability/metrics.ts";
import type { RouteDefinition } from "./route.ts";
import { serverBodyLimit } from "./body-limit.ts";
import { Edge } from "./edge.ts";
import { Cors } from "./plugins/cors.ts";
import { TokenBucketLimiter } from "./plugins/rate-limit.ts";
import { metricsRoutes } from "./routes/metrics.ts";

export interface HttpServers {
  /** The API listener; null in worker mode, which serves only metrics and health (when configured). */
  api: Server<unknown> | null;
  /** The separate metrics listener (MILLRACE_METRICS_LISTEN), when configured. */
  metrics: Server<unknown> | null;
  /** The SQS-compatible listener (MILLRACE_SQS_LISTEN), when configured. */
  sqs: Server<unknown> | null;
  edge: Edge;
}

/** Starts the API listener with the edge in front of the route table, and the metrics listener when configured. */
export function startHttpServers(
  config: Config,
  tables: { api: RouteDefinition[]; health: RouteDefinition[] },
  deps: { logger: Logger; metrics: Metrics | null; authenticator: Authenticator | null; tracer?: Tracer | null },
): HttpServers {
  const limiter =
    config.rateLimitPerSecond > 0 ? new TokenBucketLimiter(config.rateLimitPerSecond, config.rateLimitBurst) : null;
  const bodyLimits = { maxBytes: config.maxBodyBytes, timeoutMs: config.bodyTimeoutSeconds * 1000 };
  const edge = new Edge({
    routes: tables.api,
    bodyLimits,
    logger: deps.logger,
    metrics: deps.metrics,
    authenticator: deps.authenticator,
    limiter,
    cors: new Cors(config.corsOrigins),
    trustedProxies: config.trustedProxies,
    maxHeaderBytes: config.maxHeaderBytes,
    accessLog: config.accessLog,
    tracer: deps.tracer ?? null,
  });
  const api =
    config.mode === "worker"
      ? null
      : Bun.serve({
          hostname: config.listen.host,
          port: config.listen.port,
          idleTimeout: config.idleTimeoutSeconds,
          // Bun's development mode (its default outside NODE_ENV=production) serves debug error pages.
          development: false,
          // Never share the port with another process: a second instance must fail to start.
          reusePort: false,
          // Bun answers an empty 413 past its own limit and closes at once; it leaves room for
          // the edge to drain an oversized body, so clients can read the JSON 413.
          maxRequestBodySize: serverBodyLimit(config.maxBodyBytes),
          fetch: edge.fetch,
        });

  let metricsServer: Server<unknown> | null = null;
  if (config.metricsListen && deps.metrics) {
    // Health is served here too, so probes keep working on a metrics-only network.
    const metricsEdge = new Edge({
      routes: [...metricsRoutes(deps.metrics), ...tables.health],
      bodyLimits,
      logger: deps.logger,
      metrics: null,
      authenticator: null,
      limiter: null,
      cors: null,
      trustedProxies: config.trustedProxies,
      maxHeaderBytes: config.maxHeaderBytes,
      accessLog: false,
    });
    metricsServer = Bun.serve({
      hostname: config.metricsListen.host,
      port: config.metricsListen.port,
      development: false,
      reusePort: false,
      fetch: metricsEdge.fetch,
    });
  }
  return { api, metrics: metricsServer, sqs: null, edge };
}
