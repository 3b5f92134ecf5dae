import { metricsResponse, type Metrics } from "../../observability/metrics.ts";
import { defineRoute } from "../route.ts";

/** GET /metrics in the Prometheus text format; absent when metrics are off or served elsewhere. */
export function metricsRoutes(metrics: Metrics | null) {
  if (!metrics) return [];
  return [
    defineRoute({
      method: "GET",
      path: "/metrics",
      operationId: "metrics",
      summary: "Prometheus metrics (unauthenticated; see MILLRACE_METRICS_LISTEN to move them)",
      tag: "health",
      access: { public: true },
      responses: { 200: { description: "Prometheus text format", contentType: "text/plain" } },
      handle: () => metricsResponse(metrics),
    }),
  ];
}
