import { Type as t } from "@sinclair/typebox";
import type { Broker } from "../../broker/broker.ts";
import { invalidField } from "../../domain/errors.ts";
import { defineRoute, json } from "../route.ts";
import { AckBody, ExtendBody, NackBody, PublishBody, QueueParams, ReceiveBody } from "../schemas.ts";
import { leasedMessagesJson, messageRecordView } from "../views.ts";

const TAG = "messages";
const CONSUME = { scopes: ["consume"], resource: "queue" } as const;

export function messageRoutes(broker: Broker) {
  return [
    defineRoute({
      method: "POST",
      path: "/v1/queues/:queue/messages",
      operationId: "publish",
      summary: "Publish one message, or a batch of up to 1000 as {messages:[...]}; answers after the write is durable",
      tag: TAG,
      access: { scopes: ["publish"], resource: "queue" },
      params: QueueParams,
      body: PublishBody,
      responses: {
        200: { description: "every message was a duplicate of one published within the dedup window" },
        201: { description: "published and durable" },
      },
      handle: async ({ params, body, request }) => {
        const { messages, ...single } = body;
        if (messages !== undefined && Object.keys(single).length > 0) {
          throw invalidField("messages", "send either one message or {messages:[...]}, not both");
        }
        const results = await broker.publish(
          params.queue,
          messages ?? [single],
          request.headers.get("idempotency-key"),
        );
        const created = results.some((result) => !result.duplicate);
        return json(messages === undefined ? results[0] : { messages: results }, created ? 201 : 200);
      },
    }),
    defineRoute({
      method: "POST",
      path: "/v1/queues/:queue/receive",
      operationId: "receive",
      summary: "Lease up to max messages, long-polling up to waitSeconds (0-60) for some to arrive",
      tag: TAG,
      access: CONSUME,
      params: QueueParams,
      body: ReceiveBody,
      bodyOptional: true,
      responses: { 200: { description: "the leased messages, possibly none" } },
      handle: async ({ params, body, request, server }) => {
        const waitSeconds = body?.waitSeconds ?? 0;
        // A long-poll is silent on the wire while it waits; keep Bun's idle timer from cutting it.
        if (waitSeconds > 0) server.timeout(request, 0);
        const messages = await broker.receive(params.queue, {
          max: body?.max ?? 1,
          waitSeconds,
          ...(body?.visibilityTimeoutSeconds === undefined
            ? {}
            : { visibilityTimeoutSeconds: body.visibilityTimeoutSeconds }),
        });
        return new Response(leasedMessagesJson(messages), { headers: { "content-type": "application/json" } });
      },
    }),
    defineRoute({
      method: "POST",
      path: "/v1/queues/:queue/ack",
      operationId: "ack",
      summary: "Acknowledge leased messages; each receipt answers ok, lease_lost or invalid_receipt",
      tag: TAG,
      access: CONSUME,
      params: QueueParams,
      body: AckBody,
      responses: { 200: { description: "one result per receipt, in order" } },
      handle: async ({ params, body }) => resultsView(body.receipts, await broker.ack(params.queue, body.receipts)),
    }),
    defineRoute({
      method: "POST",
      path: "/v1/queues/:queue/nack",
      operationId: "nack",
      summary: "Return leased messages for retry after delaySeconds, or after the queue's backoff",
      tag: TAG,
      access: CONSUME,
      params: QueueParams,
      body: NackBody,
      responses: { 200: { description: "one result per receipt, in order" } },
      handle: async ({ params, body }) =>
        resultsView(
          body.receipts,
          await broker.nack(params.queue, body.receipts, body.delaySeconds ?? null, body.error ?? null),
        ),
    }),
    defineRoute({
      method: "POST",
      path: "/v1/queues/:queue/extend",
      operationId: "extend",
      summary: "Extend leases to now plus the visibility timeout",
      tag: TAG,
      access: CONSUME,
      params: QueueParams,
      body: ExtendBody,
      responses: { 200: { description: "one result per receipt, in order" } },
      handle: async ({ params, body }) =>
        resultsView(
          body.receipts,
          await broker.extend(params.queue, body.receipts, body.visibilityTimeoutSeconds ?? null),
        ),
    }),
    defineRoute({
      method: "GET",
      path: "/v1/queues/:queue/messages/:id",
      operationId: "getMessage",
      summary: "A message's state, attempts and last error",
      tag: TAG,
      access: CONSUME,
      params: t.Object({ queue: QueueParams.properties.queue, id: t.String({ minLength: 1, maxLength: 64 }) }),
      responses: { 200: { description: "the message" } },
      handle: async ({ params }) => json(messageRecordView(await broker.getMessage(params.queue, params.id))),
    }),
  ];
}

function resultsView(receipts: string[], outcomes: string[]): Response {
  return json({ results: receipts.map((receipt, index) => ({ receipt, result: outcomes[index] })) });
}
