import type { Broker } from "../broker/broker.ts";
import type { Metrics } from "../observability/metrics.ts";
import type { QueueHistory } from "../observability/queue-history.ts";
import { openApiDocument } from "./openapi.ts";
import type { RouteDefinition } from "./route.ts";
import { browseRoutes } from "./routes/browse.ts";
import { deadLetterRoutes } from "./routes/dead-letters.ts";
import { consoleRoutes } from "./routes/console.ts";
import { docsRoutes } from "./routes/docs.ts";
import { historyRoutes } from "./routes/history.ts";
import { healthRoutes, type Lifecycle } from "./routes/health.ts";
import { messageRoutes } from "./routes/messages.ts";
import { metricsRoutes } from "./routes/metrics.ts";
import { queueRoutes } from "./routes/queues.ts";
import { topicRoutes } from "./routes/topics.ts";

export interface RouteTableOptions {
  broker: Broker;
  lifecycle: Lifecycle;
  version: string;
  docs: boolean;
  /** Serves the admin console at /ui (MILLRACE_UI). */
  ui?: boolean;
  /** Serves /metrics on the API port; null when metrics are off or on their own listener. */
  metrics: Metrics | null;
  /** Recent per-queue samples for GET /v1/queues/{q}/history; null (empty answers) without metrics. */
  history?: QueueHistory | null;
  statsIntervalSeconds?: number;
}

/** The health routes alone, for the metrics listener. */
export function healthRouteTable(options: Pick<RouteTableOptions, "broker" | "lifecycle" | "version">) {
  return healthRoutes(options.broker.database, options.lifecycle, options.version);
}

/** The v1 API's route table; each route carries its schemas, access rule and handler. */
export function routeTable(options: RouteTableOptions): RouteDefinition[] {
  const { broker } = options;
  const api: RouteDefinition[] = [
    ...healthRouteTable(options),
    ...metricsRoutes(options.metrics),
    ...queueRoutes(broker),
    ...historyRoutes(broker, options.history ?? null, options.statsIntervalSeconds ?? 5),
    ...messageRoutes(broker),
    ...browseRoutes(broker),
    ...deadLetterRoutes(broker),
    ...topicRoutes(broker),
  ];
  return [
    ...api,
    ...docsRoutes(() => openApiDocument(api, options.version), options.docs),
    ...consoleRoutes(options.ui ?? false),
  ];
}
