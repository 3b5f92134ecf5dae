import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { randomBytes } from "node:crypto";
import { startDeliveryReceiver, waitFor, type DeliveryReceiver } from "../helpers/delivery-receiver.ts";
import { startCollector, type CollectedSpan, type Collector } from "../helpers/otel-collector.ts";
import { client, parsedLogs, type RunningApp } from "../helpers/start-app.ts";
import {
  DRIVERS,
  putDeliveryQueue,
  queueIsEmpty,
  startWebhookApp,
  webhookDatabase,
  type WebhookDatabase,
} from "../helpers/webhook-app.ts";

// Tracing end to end: a real app exports OTLP to a real OpenTelemetry Collector, whose spans the
// test reads (test/helpers/otel-collector.ts); producers, consumers and webhook receivers are
// plain HTTP clients and servers here.

const SERVER = 2;
const CLIENT = 3;
const PRODUCER = 4;
const CONSUMER = 5;

function producerContext(): { traceId: string; spanId: string; traceparent: string } {
  const traceId = randomBytes(16).toString("hex");
  const spanId = randomBytes(8).toString("hex");
  return { traceId, spanId, traceparent: `00-${traceId}-${spanId}-01` };
}

function idsOf(traceparent: string | undefined): { traceId: string; spanId: string } {
  const [, traceId = "", spanId = ""] = (traceparent ?? "").split("-");
  return { traceId, spanId };
}

async function spansOf(collector: Collector, traceId: string, until: (spans: CollectedSpan[]) => boolean) {
  let spans: CollectedSpan[] = [];
  await waitFor(`spans of trace ${traceId}`, () => {
    spans = collector.spans.filter((span) => span.traceId === traceId);
    return until(spans);
  });
  return spans;
}

let collector: Collector;
beforeAll(async () => {
  collector = await startCollector();
}, 1_200_000);
afterAll(async () => {
  await collector.stop();
});

describe.each(DRIVERS)("tracing on %s", (driver) => {
  let db: WebhookDatabase;
  let running: RunningApp;
  let receiver: DeliveryReceiver;
  let call: ReturnType<typeof client>;

  beforeAll(async () => {
    db = await webhookDatabase(driver);
    running = await startWebhookApp(db, {
      MILLRACE_OTEL_EXPORTER_OTLP_ENDPOINT: collector.endpoint,
      MILLRACE_OTEL_SERVICE_NAME: `millrace-test-${driver}`,
    });
    call = client(running.url);
    receiver = startDeliveryReceiver();
  });
  afterAll(async () => {
    await running.stop();
    await receiver.stop();
    await db.drop();
  });

  test("a producer's trace reaches the consumer's message and the request log, through server, publish and receive spans", async () => {
    const producer = producerContext();
    await call("PUT", "/v1/queues/work", {});
    const published = await call(
      "POST",
      "/v1/queues/work/messages",
      { body: { n: 1 } },
      { traceparent: producer.traceparent },
    );
    expect(published.status).toBe(201);
    const received = await call("POST", "/v1/queues/work/receive", { max: 1 });
    const [message] = received.body.messages as Array<{ id: string; headers: Record<string, string> }>;
    expect(message!.id).toBe(published.body.id);
    const carried = idsOf(message!.headers.traceparent);
    expect(carried.traceId).toBe(producer.traceId);

    const spans = await spansOf(collector, producer.traceId, (s) => s.some((span) => span.kind === PRODUCER));
    const server = spans.find((span) => span.kind === SERVER)!;
    expect(server.parentSpanId).toBe(producer.spanId);
    expect(server.name).toBe("POST /v1/queues/:queue/messages");
    expect(server.serviceName).toBe(`millrace-test-${driver}`);
    const publish = spans.find((span) => span.kind === PRODUCER)!;
    expect(publish.name).toBe("publish work");
    expect(publish.parentSpanId).toBe(server.spanId);
    expect(publish.attributes).toMatchObject({
      "messaging.system": "millrace",
      "messaging.destination.name": "work",
      "messaging.operation.type": "send",
      "messaging.message.id": published.body.id,
    });
    // The message carries the publish span's context: the consumer's work continues from there.
    expect(carried.spanId).toBe(publish.spanId);
    // Store time is a span of its own, under the publish span.
    const write = spans.find((span) => span.name === "messages.publish")!;
    expect(write.parentSpanId).toBe(publish.spanId);
    expect(write.attributes["db.system.name"]).toBe(driver === "postgres" ? "postgresql" : "sqlite");

    // The receive span is in the consumer's own trace, linked to the message's context.
    const receive = await waitForSpan(
      collector,
      (span) => span.kind === CONSUMER && span.links.some((l) => l.spanId === publish.spanId),
    );
    expect(receive.name).toBe("receive work");
    expect(receive.attributes["messaging.batch.message_count"]).toBe(1);

    const line = parsedLogs(running).find((l) => l.msg === "request" && l.trace_id === producer.traceId);
    expect(line).toMatchObject({ route: "/v1/queues/:queue/messages", span_id: server.spanId });
  });

  test("a webhook receiver gets the message's trace as traceparent, from a span per attempt with the status", async () => {
    const producer = producerContext();
    await putDeliveryQueue(call, "hooked", receiver.url);
    const published = await call("POST", "/v1/queues/hooked/messages", {
      body: { n: 2 },
      headers: { traceparent: producer.traceparent, tracestate: "vendor=abc" },
    });
    expect(published.status).toBe(201);
    await waitFor("the delivery", () => receiver.requests.some((r) => r.id === published.body.id));
    await waitFor("the ack", () => queueIsEmpty(call, "hooked"));
    const request = receiver.requests.find((r) => r.id === published.body.id)!;
    const sent = idsOf(request.headers.traceparent);
    expect(sent.traceId).toBe(producer.traceId);
    expect(request.headers.tracestate).toBe("vendor=abc");

    const spans = await spansOf(collector, producer.traceId, (s) => s.some((span) => span.name === "deliver hooked"));
    const attempt = spans.find((span) => span.name === "deliver hooked")!;
    expect(attempt.kind).toBe(CLIENT);
    expect(attempt.spanId).toBe(sent.spanId);
    expect(attempt.attributes).toMatchObject({
      "http.response.status_code": 200,
      "messaging.operation.type": "process",
      "messaging.message.id": published.body.id,
    });
    // The message brought its own context: its create span is a child of it.
    const create = spans.find((span) => span.name === "create hooked")!;
    expect(create.parentSpanId).toBe(producer.spanId);
    expect(attempt.parentSpanId).toBe(create.spanId);
  });
});

describe("a batch", () => {
  let running: RunningApp;
  let call: ReturnType<typeof client>;
  beforeAll(async () => {
    running = await startWebhookApp(
      { env: {}, drop: async () => undefined },
      {
        MILLRACE_OTEL_EXPORTER_OTLP_ENDPOINT: collector.endpoint,
      },
    );
    call = client(running.url);
  });
  afterAll(() => running.stop());

  test("of 100 makes one publish span and a create span per message, whose context the message carries", async () => {
    const producer = producerContext();
    await call("PUT", "/v1/queues/batch", {});
    const messages = Array.from({ length: 100 }, (_, n) => ({ body: { n } }));
    const published = await call(
      "POST",
      "/v1/queues/batch/messages",
      { messages },
      { traceparent: producer.traceparent },
    );
    expect(published.status).toBe(201);
    const ids = (published.body.messages as Array<{ id: string }>).map((m) => m.id);

    const spans = await spansOf(
      collector,
      producer.traceId,
      (s) => s.filter((span) => span.name === "create batch").length >= 100,
    );
    const publish = spans.filter((span) => span.name === "publish batch");
    expect(publish).toHaveLength(1);
    expect(publish[0]!.attributes["messaging.batch.message_count"]).toBe(100);
    const creates = spans.filter((span) => span.name === "create batch");
    expect(creates).toHaveLength(100);
    expect(creates.every((span) => span.parentSpanId === publish[0]!.spanId && span.kind === PRODUCER)).toBe(true);
    expect(creates.map((span) => span.attributes["messaging.message.id"]).sort()).toEqual([...ids].sort());
    expect(spans.filter((span) => span.name === "messages.publish")).toHaveLength(1);

    const received = await call("POST", "/v1/queues/batch/receive", { max: 100 });
    const byId = new Map(creates.map((span) => [span.attributes["messaging.message.id"], span.spanId]));
    for (const message of received.body.messages as Array<{ id: string; headers: Record<string, string> }>) {
      expect(idsOf(message.headers.traceparent)).toEqual({ traceId: producer.traceId, spanId: byId.get(message.id)! });
    }
    expect(received.body.messages).toHaveLength(100);

    const acked = await call("POST", "/v1/queues/batch/ack", {
      receipts: (received.body.messages as Array<{ receipt: string }>).map((m) => m.receipt),
    });
    expect(acked.status).toBe(200);
    const settle = await waitForSpan(collector, (span) => span.name === "ack batch");
    expect(settle.attributes).toMatchObject({
      "messaging.operation.type": "settle",
      "messaging.batch.message_count": 100,
    });
  });
});

async function waitForSpan(collector: Collector, match: (span: CollectedSpan) => boolean): Promise<CollectedSpan> {
  let found: CollectedSpan | undefined;
  await waitFor("a span", () => (found = collector.spans.find(match)) !== undefined);
  return found!;
}
