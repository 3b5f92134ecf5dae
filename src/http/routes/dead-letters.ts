import { Elysia } from "elysia";
import type { Broker } from "../../broker/broker.ts";
import { deadLetterCursor, parseDeadLetterQuery } from "../../domain/dead-letter-cursor.ts";
import { invalidField } from "../../domain/errors.ts";
import { DeadListQuery, QueueParams, RedriveBody } from "../schemas.ts";
import { messageRecordView } from "../views.ts";

export function deadLetterRoutes(broker: Broker) {
  return new Elysia({ prefix: "/v1/queues", tags: ["dead letters"] })
    .get(
      "/:queue/dead",
      async ({ params, query }) => {
        const { after, limit } = parseDeadLetterQuery(query);
        const page = await broker.listDead(params.queue, after, limit);
        return { messages: page.messages.map(messageRecordView), nextCursor: deadLetterCursor(page.nextCursor) };
      },
      {
        params: QueueParams,
        query: DeadListQuery,
        detail: { summary: "Browse dead letters, oldest first, with cursor paging" },
      },
    )
    .post(
      "/:queue/dead/redrive",
      async ({ params, body }) => {
        if ((body.ids === undefined) === (body.all !== true)) {
          throw invalidField("ids", 'give either ids (a list of message ids) or "all": true');
        }
        return { redriven: await broker.redrive(params.queue, body.ids ?? "all") };
      },
      {
        params: QueueParams,
        body: RedriveBody,
        detail: { summary: "Make dead letters ready again, by ids or all, with attempts reset" },
      },
    )
    .delete("/:queue/dead", async ({ params }) => ({ purged: await broker.purgeDead(params.queue) }), {
      params: QueueParams,
      detail: { summary: "Delete every dead letter of the queue" },
    });
}
