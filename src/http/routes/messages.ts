import { Elysia } from "elysia";
import type { Broker } from "../../broker/broker.ts";
import { invalidField } from "../../domain/errors.ts";
import { AckBody, ExtendBody, NackBody, PublishBody, QueueParams, ReceiveBody } from "../schemas.ts";
import { leasedMessagesJson, messageRecordView } from "../views.ts";
import { t } from "elysia";

export function messageRoutes(broker: Broker) {
  return new Elysia({ prefix: "/v1/queues", tags: ["messages"] })
    .post(
      "/:queue/messages",
      async ({ params, body, request, set }) => {
        const { messages, ...single } = body;
        if (messages !== undefined && Object.keys(single).length > 0) {
          throw invalidField("messages", "send either one message or {messages:[...]}, not both");
        }
        // request.headers.get, not Elysia's `headers`: that would copy every header on this hot path.
        const idempotencyKey = request.headers.get("idempotency-key");
        const results = await broker.publish(params.queue, messages ?? [single], idempotencyKey);
        const created = results.some((result) => !result.duplicate);
        set.status = created ? 201 : 200;
        return messages === undefined ? results[0] : { messages: results };
      },
      {
        params: QueueParams,
        body: PublishBody,
        detail: {
          summary:
            "Publish one message, or a batch of up to 1000 as {messages:[...]}; answers after the write is durable",
        },
      },
    )
    .post(
      "/:queue/receive",
      async ({ params, body, request, server }) => {
        const waitSeconds = body?.waitSeconds ?? 0;
        // A long-poll is silent on the wire while it waits; keep Bun's idle timer from cutting it.
        if (waitSeconds > 0) server?.timeout(request, 0);
        const messages = await broker.receive(
          params.queue,
          {
            max: body?.max ?? 1,
            waitSeconds,
            ...(body?.visibilityTimeoutSeconds === undefined
              ? {}
              : { visibilityTimeoutSeconds: body.visibilityTimeoutSeconds }),
          },
          request.signal,
        );
        return new Response(leasedMessagesJson(messages), { headers: { "content-type": "application/json" } });
      },
      {
        params: QueueParams,
        body: ReceiveBody,
        detail: { summary: "Lease up to max messages, long-polling up to waitSeconds (0-60) for some to arrive" },
      },
    )
    .post(
      "/:queue/ack",
      async ({ params, body }) => resultsView(body.receipts, await broker.ack(params.queue, body.receipts)),
      {
        params: QueueParams,
        body: AckBody,
        detail: { summary: "Acknowledge leased messages; each receipt answers ok or lease_lost" },
      },
    )
    .post(
      "/:queue/nack",
      async ({ params, body }) =>
        resultsView(
          body.receipts,
          await broker.nack(params.queue, body.receipts, body.delaySeconds ?? null, body.error ?? null),
        ),
      {
        params: QueueParams,
        body: NackBody,
        detail: { summary: "Return leased messages for retry after delaySeconds, or after the queue's backoff" },
      },
    )
    .post(
      "/:queue/extend",
      async ({ params, body }) =>
        resultsView(
          body.receipts,
          await broker.extend(params.queue, body.receipts, body.visibilityTimeoutSeconds ?? null),
        ),
      {
        params: QueueParams,
        body: ExtendBody,
        detail: { summary: "Extend leases to now plus the visibility timeout" },
      },
    )
    .get(
      "/:queue/messages/:id",
      async ({ params }) => messageRecordView(await broker.getMessage(params.queue, params.id)),
      {
        params: t.Object({ queue: QueueParams.properties.queue, id: t.String({ maxLength: 64 }) }),
        detail: { summary: "A message's state, attempts and last error" },
      },
    );
}

function resultsView(receipts: string[], outcomes: string[]) {
  return { results: receipts.map((receipt, index) => ({ receipt, result: outcomes[index] })) };
}
