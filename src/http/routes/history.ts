import type { Broker } from "../../broker/broker.ts";
import type { QueueHistory } from "../../observability/queue-history.ts";
import { defineRoute, json } from "../route.ts";
import { QueueParams } from "../schemas.ts";
import { QueueHistory as QueueHistoryBody } from "../response-schemas.ts";

/** The in-memory history the stats refresher records; empty when metrics (and so the refresher) are off. */
export function historyRoutes(broker: Broker, history: QueueHistory | null, intervalSeconds: number) {
  return [
    defineRoute({
      method: "GET",
      path: "/v1/queues/:queue/history",
      operationId: "getQueueHistory",
      summary: "The queue's backlog and this instance's publish/ack counts, one sample per stats refresh, last hour",
      tag: "queues",
      access: { scopes: ["publish", "consume", "admin"], resource: "queue" },
      params: QueueParams,
      responses: { 200: { description: "recent samples, oldest first", schema: QueueHistoryBody } },
      handle: async ({ params }) => {
        await broker.getQueueRecord(params.queue);
        const samples = history?.samples(params.queue, Date.now()) ?? [];
        return json({
          intervalSeconds,
          samples: samples.map((s) => ({ ...s, at: new Date(s.at).toISOString() })),
        });
      },
    }),
  ];
}
