import type { Broker } from "../../broker/broker.ts";
import { PageQuery, parseLimit } from "../paging.ts";
import { defineRoute, json, noContent, principalAllows } from "../route.ts";
import { QueueParams, QueueSettingsBody } from "../schemas.ts";
import { queueView } from "../views.ts";
import { Purged, Queue, QueuePage } from "../response-schemas.ts";

const TAG = "queues";

export function queueRoutes(broker: Broker) {
  return [
    defineRoute({
      method: "GET",
      path: "/v1/queues",
      operationId: "listQueues",
      summary: "List the queues these credentials may use, by name, with their settings and stats; paged",
      tag: TAG,
      access: { scopes: ["admin"] },
      query: PageQuery,
      responses: { 200: { description: "one page of queues; follow nextCursor until it is null", schema: QueuePage } },
      handle: async ({ query, principal }) => {
        const page = await broker.listQueues(query.after ?? null, parseLimit(query.limit), (name) =>
          principalAllows(principal, name),
        );
        return json({ queues: page.items.map(queueView), nextCursor: page.nextCursor });
      },
    }),
    defineRoute({
      method: "PUT",
      path: "/v1/queues/:queue",
      operationId: "putQueue",
      summary: "Create a queue, or update its settings (idempotent; omitted settings keep their value)",
      tag: TAG,
      access: { scopes: ["admin"], resource: "queue" },
      params: QueueParams,
      body: QueueSettingsBody,
      requestExamples: {
        defaults: { summary: "create with the defaults", value: {} },
        tuned: {
          summary: "longer leases, fewer attempts, a bound",
          value: {
            visibilityTimeoutSeconds: 120,
            maxAttempts: 5,
            backoff: { baseMs: 500, maxMs: 30000, multiplier: 2, jitter: "full" },
            maxMessages: 100000,
          },
        },
      },
      bodyOptional: true,
      responses: {
        200: { description: "updated", schema: Queue },
        201: { description: "created", schema: Queue },
      },
      handle: async ({ params, body }) => {
        const { queue, created } = await broker.putQueue(params.queue, body ?? {});
        return json(queueView(queue), created ? 201 : 200);
      },
    }),
    defineRoute({
      method: "GET",
      path: "/v1/queues/:queue",
      operationId: "getQueue",
      summary: "A queue's settings and stats",
      tag: TAG,
      access: { scopes: ["publish", "consume", "admin"], resource: "queue" },
      params: QueueParams,
      responses: { 200: { description: "the queue", schema: Queue } },
      handle: async ({ params }) => json(queueView(await broker.getQueue(params.queue))),
    }),
    defineRoute({
      method: "DELETE",
      path: "/v1/queues/:queue",
      operationId: "deleteQueue",
      summary: "Delete a queue with all its messages and the subscriptions into it",
      tag: TAG,
      access: { scopes: ["admin"], resource: "queue" },
      params: QueueParams,
      responses: { 204: { description: "deleted" } },
      handle: async ({ params }) => {
        await broker.deleteQueue(params.queue);
        return noContent();
      },
    }),
    pauseRoute(broker, true),
    pauseRoute(broker, false),
    defineRoute({
      method: "POST",
      path: "/v1/queues/:queue/purge",
      operationId: "purgeQueue",
      summary: "Drop every message that is not dead",
      tag: TAG,
      access: { scopes: ["admin"], resource: "queue" },
      params: QueueParams,
      responses: { 200: { description: "how many messages were dropped", schema: Purged } },
      handle: async ({ params }) => json({ purged: await broker.purgeQueue(params.queue) }),
    }),
  ];
}

/** POST …/pause and …/resume: persisted on the queue, so it holds across restarts and every instance. */
function pauseRoute(broker: Broker, paused: boolean) {
  return defineRoute({
    method: "POST",
    path: paused ? "/v1/queues/:queue/pause" : "/v1/queues/:queue/resume",
    operationId: paused ? "pauseQueue" : "resumeQueue",
    summary: paused
      ? "Pause the queue: receives answer nothing and webhook delivery stops; publishes are still accepted"
      : "Resume a paused queue (no-op when it runs)",
    tag: TAG,
    access: { scopes: ["admin"], resource: "queue" },
    params: QueueParams,
    responses: { 200: { description: "the queue, with paused and pausedAt", schema: Queue } },
    handle: async ({ params }) => json(queueView(await broker.setPaused(params.queue, paused))),
  });
}
