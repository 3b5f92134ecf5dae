import type { Server } from "bun";
import type { Authenticator } from "../auth/authenticator.ts";
import type { Config } from "../config/schema.ts";
import type { Logger } from "../observability/logger.ts";
import { metricsResponse, type Metrics } from "../observability/metrics.ts";
import type { HttpApp } from "./app.ts";
import { serverBodyLimit } from "./body-limit.ts";
import { Edge } from "./edge.ts";
import { errorResponse } from "./errors.ts";
import { Cors } from "./plugins/cors.ts";
import { TokenBucketLimiter } from "./plugins/rate-limit.ts";
import { applySecurityHeaders } from "./plugins/security-headers.ts";

export interface HttpServers {
  /** The API listener; null in worker mode, which serves only metrics and health (when configured). */
  api: Server<unknown> | null;
  /** The separate metrics listener (MILLRACE_METRICS_LISTEN), when configured. */
  metrics: Server<unknown> | null;
  edge: Edge;
}

/**
 * Starts the API listener with the edge pipeline in front of the routed app, and the metrics
 * listener when one is configured. Elysia's own `listen` is not used: it would route some
 * paths natively in Bun and bypass the edge.
 */
export function startHttpServers(
  config: Config,
  app: HttpApp,
  deps: {
    logger: Logger;
    metrics: Metrics | null;
    authenticator: Authenticator | null;
    requestIds: WeakMap<Request, string>;
  },
): HttpServers {
  const serveApi = config.mode !== "worker";
  const limiter =
    config.rateLimitPerSecond > 0 ? new TokenBucketLimiter(config.rateLimitPerSecond, config.rateLimitBurst) : null;
  const handle = app.fetch;
  const edge = new Edge({
    handle: (request) => handle(request),
    logger: deps.logger,
    metrics: deps.metrics,
    authenticator: deps.authenticator,
    limiter,
    cors: new Cors(config.corsOrigins),
    trustedProxies: config.trustedProxies,
    maxHeaderBytes: config.maxHeaderBytes,
    accessLog: config.accessLog,
    requestIds: deps.requestIds,
  });
  const api = !serveApi
    ? null
    : Bun.serve({
        hostname: config.listen.host,
        port: config.listen.port,
        idleTimeout: config.idleTimeoutSeconds,
        // Bun's development mode (its default outside NODE_ENV=production) serves debug error pages.
        development: false,
        // Never share the port with another process: a second instance must fail to start.
        reusePort: false,
        // Bun answers an empty 413 past its own limit and closes; keep room above ours for the
        // drain that lets every client read our JSON 413 (src/http/body-limit.ts).
        maxRequestBodySize: serverBodyLimit(config.maxBodyBytes),
        fetch: edge.fetch,
      });
  // Route handlers reach the server through Elysia (long-polls lift the idle timeout with it).
  app.server = api;

  let metricsServer: Server<unknown> | null = null;
  if (config.metricsListen && deps.metrics) {
    const metrics = deps.metrics;
    metricsServer = Bun.serve({
      hostname: config.metricsListen.host,
      port: config.metricsListen.port,
      development: false,
      reusePort: false,
      fetch: async (request) => {
        const path = new URL(request.url).pathname;
        // Health is served here too, so probes keep working on a metrics-only network.
        const response =
          path === "/metrics"
            ? await metricsResponse(metrics)
            : path.startsWith("/health")
              ? await handle(request)
              : errorResponse(404, "not_found", "this listener serves only /metrics and /health");
        applySecurityHeaders(response.headers, path);
        return response;
      },
    });
  }
  return { api, metrics: metricsServer, edge };
}
