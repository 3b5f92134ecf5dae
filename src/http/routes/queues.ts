import { Elysia } from "elysia";
import type { Broker } from "../../broker/broker.ts";
import { QueueParams, QueueSettingsBody } from "../schemas.ts";
import { queueView } from "../views.ts";

export function queueRoutes(broker: Broker) {
  return new Elysia({ prefix: "/v1/queues", tags: ["queues"] })
    .get("/", async () => ({ queues: (await broker.listQueues()).map(queueView) }), {
      detail: { summary: "List queues with their settings and stats" },
    })
    .put(
      "/:queue",
      async ({ params, body, set }) => {
        const { queue, created } = await broker.putQueue(params.queue, body ?? {});
        set.status = created ? 201 : 200;
        return queueView(queue);
      },
      {
        params: QueueParams,
        body: QueueSettingsBody,
        detail: { summary: "Create a queue, or update its settings (idempotent; omitted settings keep their value)" },
      },
    )
    .get("/:queue", async ({ params }) => queueView(await broker.getQueue(params.queue)), {
      params: QueueParams,
      detail: { summary: "A queue's settings and stats" },
    })
    .delete(
      "/:queue",
      async ({ params, set }) => {
        await broker.deleteQueue(params.queue);
        set.status = 204;
        return null;
      },
      { params: QueueParams, detail: { summary: "Delete a queue with all its messages and subscriptions into it" } },
    )
    .post("/:queue/purge", async ({ params }) => ({ purged: await broker.purgeQueue(params.queue) }), {
      params: QueueParams,
      detail: { summary: "Drop every message that is not dead" },
    });
}
