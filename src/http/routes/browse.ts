import { Type as t } from "@sinclair/typebox";
import type { Broker } from "../../broker/broker.ts";
import { BROWSE_STATES, decodeBrowseCursor, encodeBrowseCursor, parseBrowseState } from "../../domain/browse.ts";
import { PageQuery, parseLimit } from "../paging.ts";
import { defineRoute, json } from "../route.ts";
import { QueueParams } from "../schemas.ts";
import { messageRecordView } from "../views.ts";
import { MessagePage } from "../response-schemas.ts";

const BrowseQuery = t.Object({
  ...PageQuery.properties,
  state: t.Optional(t.String({ maxLength: 16, description: `one of ${BROWSE_STATES.join(", ")}; default ready` })),
});

/**
 * GET …/messages: reading bodies is what consumers do, so `consume` may browse; `admin` may too,
 * as it already reads dead letters and the console runs on admin credentials.
 */
export function browseRoutes(broker: Broker) {
  return [
    defineRoute({
      method: "GET",
      path: "/v1/queues/:queue/messages",
      operationId: "browseMessages",
      summary:
        "Browse the messages in one state (ready, delayed, leased, grouped, dead) without leasing them, in claim order, with cursor paging",
      tag: "messages",
      access: { scopes: ["consume", "admin"], resource: "queue" },
      params: QueueParams,
      query: BrowseQuery,
      responses: {
        200: { description: "one page of messages; follow nextCursor until it is null", schema: MessagePage },
      },
      handle: async ({ params, query }) => {
        const state = parseBrowseState(query.state);
        const after = decodeBrowseCursor(state, query.after);
        const page = await broker.browse(params.queue, state, after, parseLimit(query.limit));
        return json({
          messages: page.messages.map(messageRecordView),
          nextCursor: encodeBrowseCursor(state, page.next),
        });
      },
    }),
  ];
}
