import type { Broker } from "../../broker/broker.ts";
import { deadLetterCursor, openDeadLetterCursor } from "../../domain/dead-letter-cursor.ts";
import { invalidField } from "../../domain/errors.ts";
import { PageQuery, parseLimit } from "../paging.ts";
import { defineRoute, json } from "../route.ts";
import { QueueParams, RedriveBody } from "../schemas.ts";
import { messageRecordView } from "../views.ts";
import { DeadLetterPage, Purged, Redriven } from "../response-schemas.ts";

const TAG = "dead letters";
const ADMIN = { scopes: ["admin"], resource: "queue" } as const;

export function deadLetterRoutes(broker: Broker) {
  return [
    defineRoute({
      method: "GET",
      path: "/v1/queues/:queue/dead",
      operationId: "listDeadLetters",
      summary: "Browse dead letters, oldest first, with cursor paging",
      tag: TAG,
      access: ADMIN,
      params: QueueParams,
      query: PageQuery,
      responses: {
        200: { description: "one page of dead letters; follow nextCursor until it is null", schema: DeadLetterPage },
      },
      handle: async ({ params, query }) => {
        const after = openDeadLetterCursor(query.after);
        const page = await broker.listDead(params.queue, after, parseLimit(query.limit));
        return json({ messages: page.messages.map(messageRecordView), nextCursor: deadLetterCursor(page.nextCursor) });
      },
    }),
    defineRoute({
      method: "POST",
      path: "/v1/queues/:queue/dead/redrive",
      operationId: "redriveDeadLetters",
      summary: "Make dead letters ready again, by ids or all, with attempts reset",
      tag: TAG,
      access: ADMIN,
      params: QueueParams,
      body: RedriveBody,
      requestExamples: {
        some: { summary: "these dead letters", value: { ids: ["0193f2a1-7c4e-7d2a-9b1e-3f5c2d8a6e10"] } },
        all: { summary: "every dead letter", value: { all: true } },
      },
      responses: { 200: { description: "how many dead letters became ready", schema: Redriven } },
      handle: async ({ params, body }) => {
        if ((body.ids === undefined) === (body.all !== true)) {
          throw invalidField("ids", 'give either ids (a list of message ids) or "all": true');
        }
        return json({ redriven: await broker.redrive(params.queue, body.ids ?? "all") });
      },
    }),
    defineRoute({
      method: "DELETE",
      path: "/v1/queues/:queue/dead",
      operationId: "purgeDeadLetters",
      summary: "Delete every dead letter of the queue",
      tag: TAG,
      access: ADMIN,
      params: QueueParams,
      responses: { 200: { description: "how many dead letters were deleted", schema: Purged } },
      handle: async ({ params }) => json({ purged: await broker.purgeDead(params.queue) }),
    }),
  ];
}
