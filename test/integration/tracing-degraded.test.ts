import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { randomBytes } from "node:crypto";
import { startDeliveryReceiver, waitFor, type DeliveryReceiver } from "../helpers/delivery-receiver.ts";
import { client, parsedLogs, startApp, type RunningApp } from "../helpers/start-app.ts";
import { putDeliveryQueue, queueIsEmpty, WEBHOOK_ENV } from "../helpers/webhook-app.ts";

// Tracing when the collector is away, and with tracing off: requests never wait on the exporter,
// and a caller's trace context still travels with the message.

function traceparent(): string {
  return `00-${randomBytes(16).toString("hex")}-${randomBytes(8).toString("hex")}-01`;
}

async function metric(url: string, line: RegExp): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const match = line.exec(text);
  return match ? Number(match[1]) : 0;
}

describe("with the collector a blackhole", () => {
  // Accepts connections and never answers: every export hangs until its timeout.
  const blackhole = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  let running: RunningApp;
  beforeAll(async () => {
    running = await startApp({ MILLRACE_OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${blackhole.port}` });
  });
  afterAll(async () => {
    await running.stop();
    blackhole.stop(true);
  });

  test("every publish, receive and ack succeeds, nothing is lost, and the spans that do not fit are counted as dropped", async () => {
    const call = client(running.url);
    await call("PUT", "/v1/queues/busy", {});
    const published: string[] = [];
    // About 100 spans a request: more than the export queue holds (2048) while exports hang.
    for (let round = 0; round < 30; round += 1) {
      const messages = Array.from({ length: 100 }, (_, n) => ({ body: { round, n } }));
      const answer = await call("POST", "/v1/queues/busy/messages", { messages }, { traceparent: traceparent() });
      expect(answer.status).toBe(201);
      published.push(...(answer.body.messages as Array<{ id: string }>).map((m) => m.id));
    }
    const received: string[] = [];
    while (received.length < published.length) {
      const answer = await call("POST", "/v1/queues/busy/receive", { max: 100 });
      expect(answer.status).toBe(200);
      const messages = answer.body.messages as Array<{ id: string; receipt: string }>;
      expect(messages.length).toBeGreaterThan(0);
      received.push(...messages.map((m) => m.id));
      const acked = await call("POST", "/v1/queues/busy/ack", { receipts: messages.map((m) => m.receipt) });
      expect(acked.body.results.every((r: { result: string }) => r.result === "ok")).toBe(true);
    }
    expect(received.sort()).toEqual(published.sort());
    expect(
      await metric(running.url, /^millrace_trace_spans_dropped_total\{reason="queue_full"\} (\d+)/m),
    ).toBeGreaterThan(0);
    expect(await metric(running.url, /^millrace_trace_spans_exported_total (\d+)/m)).toBe(0);
  });
});

describe("with nothing listening at the collector's address", () => {
  let running: RunningApp;
  beforeAll(async () => {
    const closed = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
    const port = closed.port;
    closed.stop(true);
    running = await startApp({ MILLRACE_OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}` });
  });
  afterAll(() => running.stop());

  test("publishes succeed and the spans of the failed exports are counted", async () => {
    const call = client(running.url);
    expect((await call("PUT", "/v1/queues/refused", {})).status).toBe(201);
    expect((await call("POST", "/v1/queues/refused/messages", { body: 1 })).status).toBe(201);
    await waitFor("failed exports counted", async () => {
      return (await metric(running.url, /^millrace_trace_spans_dropped_total\{reason="export_failed"\} (\d+)/m)) > 0;
    });
  });
});

describe("with tracing off", () => {
  let running: RunningApp;
  let receiver: DeliveryReceiver;
  beforeAll(async () => {
    running = await startApp(WEBHOOK_ENV);
    receiver = startDeliveryReceiver();
  });
  afterAll(async () => {
    await running.stop();
    await receiver.stop();
  });

  test("the caller's traceparent and tracestate go with the message to the consumer, the webhook and the log line", async () => {
    const call = client(running.url);
    const context = traceparent();
    const [, traceId, spanId] = context.split("-");
    await call("PUT", "/v1/queues/plain", {});
    const published = await call(
      "POST",
      "/v1/queues/plain/messages",
      { messages: [{ body: 1 }, { body: 2, headers: { traceparent: traceparent() } }] },
      { traceparent: context, tracestate: "vendor=1" },
    );
    expect(published.status).toBe(201);
    const received = await call("POST", "/v1/queues/plain/receive", { max: 2 });
    const [first, second] = received.body.messages as Array<{ headers: Record<string, string> }>;
    expect(first!.headers).toEqual({ traceparent: context, tracestate: "vendor=1" });
    // A message's own context wins over the request's.
    expect(second!.headers.traceparent).not.toBe(context);
    expect(parsedLogs(running).find((l) => l.msg === "request" && l.trace_id === traceId)).toMatchObject({
      span_id: spanId,
    });

    await putDeliveryQueue(client(running.url), "plain-hook", receiver.url);
    const event = await call("POST", "/v1/queues/plain-hook/messages", { body: 3 }, { traceparent: context });
    await waitFor("the delivery", () => receiver.requests.some((r) => r.id === event.body.id));
    await waitFor("the ack", () => queueIsEmpty(call, "plain-hook"));
    expect(receiver.requests.find((r) => r.id === event.body.id)!.headers.traceparent).toBe(context);
  });

  test("a malformed traceparent is not passed on", async () => {
    const call = client(running.url);
    await call("PUT", "/v1/queues/bad-context", {});
    await call("POST", "/v1/queues/bad-context/messages", { body: 1 }, { traceparent: "00-nothex-01" });
    const received = await call("POST", "/v1/queues/bad-context/receive", { max: 1 });
    expect(received.body.messages[0].headers).toEqual({});
  });
});
