import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { rmSync } from "node:fs";
import { startDeliveryReceiver, waitFor, type DeliveryReceiver } from "../helpers/delivery-receiver.ts";
import { client, startApp, type RunningApp } from "../helpers/start-app.ts";
import {
  DRIVERS,
  publishMany,
  putDeliveryQueue,
  queueIsEmpty,
  startWebhookApp,
  WEBHOOK_ENV,
  webhookDatabase,
  type Call,
  type WebhookDatabase,
} from "../helpers/webhook-app.ts";

// The endpoint's state end to end, on each driver: the circuit breaker, a 410 disable and the PUT
// that re-enables it, and a shutdown in the middle of delivery. Cool-down: 0.3 s, threshold 3.

async function metric(running: RunningApp, series: string): Promise<number | null> {
  const text = await (await fetch(`${running.url}/metrics`)).text();
  const line = text.split("\n").find((l) => l.startsWith(`${series} `));
  return line === undefined ? null : Number(line.split(" ")[1]);
}

describe.each(DRIVERS)("webhook endpoint state on %s", (driver) => {
  let db: WebhookDatabase;
  let running: RunningApp;
  let call: Call;
  const receivers: DeliveryReceiver[] = [];

  beforeAll(async () => {
    db = await webhookDatabase(driver);
    running = await startWebhookApp(db);
    call = client(running.url);
  });
  afterAll(async () => {
    await running.stop();
    for (const started of receivers) await started.stop();
    await db.drop();
  });

  test("the circuit opens after 3 failures, sends one probe per cool-down, and closes when a probe succeeds", async () => {
    let up = false;
    const endpoint = startDeliveryReceiver(() => new Response("down", { status: up ? 200 : 503 }));
    receivers.push(endpoint);
    await putDeliveryQueue(call, "flaky", endpoint.url, { maxConcurrency: 1 }, { backoff: { baseMs: 10, maxMs: 10 } });
    await publishMany(call, "flaky", [1, 2, 3, 4, 5]);
    await waitFor("the circuit open", async () => {
      const { body } = await call("GET", "/v1/queues/flaky");
      return body.deliveryState.circuit.state !== "closed";
    });
    await waitFor("two half-open probes", () => endpoint.requests.length >= 5);
    // After the third failure each request waited out the cool-down first: a lower bound only.
    const requests = endpoint.requests.slice(0, 5);
    for (const [index, request] of requests.entries()) {
      if (index < 3) continue;
      expect(request.startedAt - requests[index - 1]!.endedAt!).toBeGreaterThanOrEqual(290);
    }
    expect(endpoint.maxInFlight()).toBe(1);
    expect(running.logText()).toContain("webhook circuit opened");
    // None dead-lettered while the circuit held them (maxAttempts is 10).
    expect((await call("GET", "/v1/queues/flaky")).body.stats.dead).toBe(0);

    up = true;
    await waitFor("all delivered", () => queueIsEmpty(call, "flaky"));
    const { body } = await call("GET", "/v1/queues/flaky");
    expect(body.deliveryState.circuit).toEqual({ state: "closed", consecutiveFailures: 0, openUntil: null });
    expect(running.logText()).toContain("webhook circuit closed");
    await waitFor("the gauge back to closed", async () => {
      return (await metric(running, 'millrace_webhook_circuit_state{queue="flaky"}')) === 0;
    });
    expect(await metric(running, 'millrace_webhook_requests_total{queue="flaky",outcome="server_error"}')).toBe(5);
  });

  test("410 disables the endpoint: delivery pauses, the API and metrics show it, and a PUT re-enables it", async () => {
    let gone = true;
    const endpoint = startDeliveryReceiver(() => new Response("", { status: gone ? 410 : 200 }));
    receivers.push(endpoint);
    await putDeliveryQueue(call, "retired", endpoint.url, { maxConcurrency: 1 });
    const ids = await publishMany(call, "retired", ["a", "b"]);
    await waitFor("disabled", async () => {
      return (await call("GET", "/v1/queues/retired")).body.deliveryState.status === "disabled";
    });
    const queue = await call("GET", "/v1/queues/retired");
    expect(queue.body.deliveryState.disabledReason).toContain("410");
    await waitFor("the disabled gauge", async () => {
      return (await metric(running, 'millrace_webhook_endpoint_disabled{queue="retired"}')) === 1;
    });
    // Only the one request was sent, and both messages wait, that attempt not counted against them.
    expect(endpoint.requests).toHaveLength(1);
    for (const id of ids) {
      const { body } = await call("GET", `/v1/queues/retired/messages/${id}`);
      expect(body).toMatchObject({ state: "ready", attempts: 0 });
    }

    gone = false;
    await putDeliveryQueue(call, "retired", endpoint.url, { maxConcurrency: 1 });
    expect((await call("GET", "/v1/queues/retired")).body.deliveryState.status).toBe("enabled");
    await waitFor("delivered after re-enabling", () => queueIsEmpty(call, "retired"));
    expect(endpoint.requests.filter((request) => request.status === 200)).toHaveLength(2);
  });

  test("shutdown in the middle of delivery finishes the sends in flight, releases the rest, and loses nothing", async () => {
    const held: Array<() => void> = [];
    const endpoint = startDeliveryReceiver(async () => {
      if (held.length < 4 && endpoint.requests.length <= 4) {
        await new Promise<void>((resolve) => held.push(resolve));
      }
      return new Response("ok");
    });
    receivers.push(endpoint);
    // Its own app and database, so that stopping it leaves the suite's app running, and that app's
    // worker takes nothing from this queue.
    const own = await webhookDatabase(driver);
    const first = await startApp({ ...WEBHOOK_ENV, ...own.env });
    const firstCall = client(first.url);
    await putDeliveryQueue(firstCall, "drain", endpoint.url, { maxConcurrency: 4 });
    const ids = await publishMany(
      firstCall,
      "drain",
      Array.from({ length: 12 }, (_, n) => n),
    );
    await waitFor("4 sends held in flight", () => held.length === 4);
    const stopping = first.app.stop();
    // The sends in flight finish during the shutdown; nothing new is sent.
    for (const release of held) release();
    await stopping;
    const answered = endpoint.requests.filter((request) => request.status === 200).length;
    expect(answered).toBe(4);

    // The same store again: every message not acked is there and ready at once (leases released).
    // Read by an API-only instance first: a worker would lease some of them again before the read.
    const store = { ...own.env, ...(driver === "sqlite" ? { MILLRACE_DATA_DIR: first.dataDir } : {}) };
    const reader = await startApp({ ...WEBHOOK_ENV, ...store, MILLRACE_MODE: "api" });
    try {
      const stats = (await client(reader.url)("GET", "/v1/queues/drain")).body.stats as Record<string, number>;
      expect({ leased: stats.leased, ready: stats.ready }).toEqual({ leased: 0, ready: ids.length - answered });
    } finally {
      await reader.stop();
    }
    const second = await startApp({ ...WEBHOOK_ENV, ...store });
    try {
      const secondCall = client(second.url);
      await waitFor("the rest delivered", () => queueIsEmpty(secondCall, "drain"));
      const delivered = new Set(endpoint.requests.filter((r) => r.status === 200).map((r) => r.id));
      expect(delivered).toEqual(new Set(ids));
    } finally {
      await second.stop();
      await own.drop();
      rmSync(first.dataDir, { recursive: true, force: true });
    }
  });
});
