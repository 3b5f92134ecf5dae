import { Type as t } from "@sinclair/typebox";
import type { Broker } from "../../broker/broker.ts";
import { invalidField } from "../../domain/errors.ts";
import { withCallerContext } from "../caller-context.ts";
import { defineRoute, json, jsonText, type JsonReply } from "../route.ts";
import {
  IdempotencyHeaders,
  AckBody,
  ExtendBody,
  NackBody,
  PublishBody,
  QueueParams,
  ReceiveBody,
} from "../schemas.ts";
import { leasedMessagesJson, messageRecordView, deliveryAttemptView } from "../views.ts";
import { LeaseResults, MessageDetail, PublishResponse, ReceiveResult } from "../response-schemas.ts";

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
      headers: IdempotencyHeaders,
      body: PublishBody,
      requestExamples: {
        single: {
          summary: "one JSON message",
          value: { body: { orderId: 42, total: "19.90" }, headers: { type: "order.paid" } },
        },
        batch: {
          summary: "a batch, one delayed and one in an ordering group",
          value: {
            messages: [
              { body: { orderId: 42 }, delaySeconds: 60 },
              { body: { orderId: 43 }, groupId: "customer-7", dedupId: "order-43" },
            ],
          },
        },
        bytes: { summary: "bytes as base64", value: { bodyBase64: "aGVsbG8=" } },
      },
      responses: {
        200: {
          description: "every message was a duplicate of one published within the dedup window",
          schema: PublishResponse,
        },
        201: { description: "published and durable", schema: PublishResponse },
      },
      handle: async ({ params, body, request }) => {
        const { messages } = body;
        // One key besides `messages` makes it ambiguous (counted without copying the body).
        if (messages !== undefined && Object.keys(body).length > 1) {
          throw invalidField("messages", "send either one message or {messages:[...]}, not both");
        }
        // Without `messages` the body is the single message itself (the schema allows no other keys).
        const inputs = messages ?? [body];
        const results = await broker.publish(
          params.queue,
          broker.tracesMessages ? inputs : withCallerContext(inputs, request.headers),
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
      requestExamples: {
        longPoll: {
          summary: "up to 10 messages, waiting up to 20 s for some",
          value: { max: 10, waitSeconds: 20, visibilityTimeoutSeconds: 60 },
        },
      },
      bodyOptional: true,
      responses: { 200: { description: "the leased messages, possibly none", schema: ReceiveResult } },
      handle: async ({ params, body, request, server }) => {
        const waitSeconds = body?.waitSeconds ?? 0;
        // A long-poll is silent on the wire while it waits; keep Bun's idle timer from cutting it.
        if (waitSeconds > 0) server.timeout(request, 0);
        const messages = await broker.receive(
          params.queue,
          {
            max: body?.max ?? 1,
            waitSeconds,
            ...(body?.visibilityTimeoutSeconds === undefined
              ? {}
              : { visibilityTimeoutSeconds: body.visibilityTimeoutSeconds }),
          },
          // Aborted when the client goes away: the broker stops waiting and gives back what it leased.
          request.signal,
        );
        return jsonText(leasedMessagesJson(messages));
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
      requestExamples: { ack: { summary: "the receipts from /receive", value: { receipts: ["r1.2n.1", "r1.2o.1"] } } },
      responses: { 200: { description: "one result per receipt, in order", schema: LeaseResults } },
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
      requestExamples: {
        retryLater: {
          summary: "retry in 30 s, recording why",
          value: { receipts: ["r1.2n.1"], delaySeconds: 30, error: "payment service timed out" },
        },
        backoff: { summary: "retry after the queue's backoff", value: { receipts: ["r1.2n.1"] } },
      },
      responses: { 200: { description: "one result per receipt, in order", schema: LeaseResults } },
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
      requestExamples: {
        extend: {
          summary: "keep working for 5 more minutes",
          value: { receipts: ["r1.2n.1"], visibilityTimeoutSeconds: 300 },
        },
      },
      responses: { 200: { description: "one result per receipt, in order", schema: LeaseResults } },
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
      summary: "A message's state, attempts, last error and webhook delivery attempts",
      tag: TAG,
      // admin too: it browses messages and reads dead letters already (the console's message detail).
      access: { scopes: ["consume", "admin"], resource: "queue" },
      params: t.Object({ queue: QueueParams.properties.queue, id: t.String({ minLength: 1, maxLength: 64 }) }),
      responses: { 200: { description: "the message", schema: MessageDetail } },
      handle: async ({ params }) => {
        const message = await broker.getMessage(params.queue, params.id);
        const attempts = await broker.deliveryAttempts(params.queue, params.id);
        return json({ ...messageRecordView(message), deliveryAttempts: attempts.map(deliveryAttemptView) });
      },
    }),
  ];
}

function resultsView(receipts: string[], outcomes: string[]): JsonReply {
  return json({ results: receipts.map((receipt, index) => ({ receipt, result: outcomes[index] })) });
}
