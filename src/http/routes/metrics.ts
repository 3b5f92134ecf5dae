import { Elysia } from "elysia";
import { metricsResponse, type Metrics } from "../../observability/metrics.ts";

/** GET /metrics in the Prometheus text format; absent when metrics are off or served elsewhere. */
export function metricsRoutes(metrics: Metrics | null) {
  const app = new Elysia({ tags: ["health"] });
  if (!metrics) return app;
  return app.get("/metrics", () => metricsResponse(metrics), {
    detail: { summary: "Prometheus metrics (unauthenticated; see MILLRACE_METRICS_LISTEN to move them)" },
  });
}
