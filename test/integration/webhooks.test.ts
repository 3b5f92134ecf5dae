import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { Webhook } from "standardwebhooks";
import { startDeliveryReceiver, waitFor, type DeliveryReceiver } from "../helpers/delivery-receiver.ts";
import { client, type RunningApp } from "../helpers/start-app.ts";
import {
  DRIVERS,
  publishMany,
  putDeliveryQueue,
  queueIsEmpty,
  SECRET,
  startWebhookApp,
  webhookDatabase,
  type Call,
  type WebhookDatabase,
} from "../helpers/webhook-app.ts";

// Delivery end to end, on each driver: a real app in mode "all" POSTs to real local receivers.
// Signatures are checked by the standardwebhooks package, independently of our signer.

describe.each(DRIVERS)("webhook delivery on %s", (driver) => {
  let db: WebhookDatabase;
  let running: RunningApp;
  let call: Call;
  const receivers: DeliveryReceiver[] = [];
  const receiver = (answer?: Parameters<typeof startDeliveryReceiver>[0]) => {
    const started = startDeliveryReceiver(answer);
    receivers.push(started);
    return started;
  };

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

  test("every message is delivered once acked, with a valid signature; a retried one keeps its webhook-id", async () => {
    const failedOnce = new Set<string>();
    const endpoint = receiver((request) => {
      const body = JSON.parse(request.body) as { body: { n: number } };
      if (body.body.n % 5 === 0 && !failedOnce.has(request.id)) {
        failedOnce.add(request.id);
        return new Response("try later", { status: 503 });
      }
      return new Response("ok");
    });
    await putDeliveryQueue(call, "orders", endpoint.url);
    const ids = await publishMany(
      call,
      "orders",
      Array.from({ length: 30 }, (_, n) => ({ n })),
      { headers: { type: "order.created" } },
    );
    await waitFor("every message acked", () => queueIsEmpty(call, "orders"));

    const verifier = new Webhook(SECRET);
    const succeeded = endpoint.requests.filter((request) => request.status === 200);
    expect(new Set(succeeded.map((request) => request.id))).toEqual(new Set(ids));
    for (const request of endpoint.requests) {
      const envelope = verifier.verify(request.body, request.headers) as Record<string, unknown>;
      expect(envelope).toMatchObject({ id: request.id, queue: "orders", headers: { type: "order.created" } });
      expect(request.headers["x-millrace-queue"]).toBe("orders");
      expect(request.headers["x-millrace-attempt"]).toBe(String(envelope.attempt));
    }
    // n = 0, 5, 10, 15, 20, 25 failed once: each was sent twice under the same webhook-id.
    expect(failedOnce.size).toBe(6);
    for (const id of failedOnce) {
      const sends = endpoint.requests.filter((request) => request.id === id);
      expect(sends.map((request) => request.status)).toEqual([503, 200]);
      expect(sends.map((request) => (JSON.parse(request.body) as { attempt: number }).attempt)).toEqual([1, 2]);
    }
  });

  test("an ordering group is delivered in publish order, one message at a time, through a retry", async () => {
    let groupInFlight = 0;
    let maxGroupInFlight = 0;
    const failedOnce = new Set<string>();
    const endpoint = receiver(async (request) => {
      groupInFlight += 1;
      maxGroupInFlight = Math.max(maxGroupInFlight, groupInFlight);
      await Bun.sleep(5); // a slow endpoint, so overlapping sends would show
      groupInFlight -= 1;
      if ((JSON.parse(request.body) as { body: number }).body === 3 && !failedOnce.has(request.id)) {
        failedOnce.add(request.id);
        return new Response("", { status: 500 });
      }
      return new Response("ok");
    });
    await putDeliveryQueue(call, "ledger", endpoint.url, { maxConcurrency: 8 });
    await publishMany(call, "ledger", [0, 1, 2, 3, 4, 5, 6, 7], { groupId: "account-1" });
    await waitFor("the group delivered", () => queueIsEmpty(call, "ledger"));
    const order = endpoint.requests.map((request) => (JSON.parse(request.body) as { body: number }).body);
    expect(order).toEqual([0, 1, 2, 3, 3, 4, 5, 6, 7]);
    expect(maxGroupInFlight).toBe(1);
  });

  test("other 4xx answers are retried until maxAttempts, then dead; the message shows every attempt", async () => {
    const endpoint = receiver(() => new Response(`{"error":"bad order"}${"x".repeat(2000)}`, { status: 422 }));
    await putDeliveryQueue(call, "strict", endpoint.url, {}, { maxAttempts: 3 });
    const [id] = await publishMany(call, "strict", [{ bad: true }]);
    await waitFor(
      "dead-lettered",
      async () => (await call("GET", `/v1/queues/strict/messages/${id}`)).body.state === "dead",
    );
    const { body } = await call("GET", `/v1/queues/strict/messages/${id}`);
    expect(body.deliveryAttempts).toHaveLength(3);
    expect(body.deliveryAttempts.map((a: { attempt: number }) => a.attempt)).toEqual([1, 2, 3]);
    expect(body.deliveryAttempts[0]).toMatchObject({ outcome: "client_error", status: 422 });
    expect(body.deliveryAttempts[0].response).toStartWith('{"error":"bad order"}');
    expect(Buffer.byteLength(body.deliveryAttempts[0].response as string)).toBeLessThanOrEqual(1024);
    // The circuit is not moved by answers that show the endpoint is up.
    const queue = await call("GET", "/v1/queues/strict");
    expect(queue.body.deliveryState.circuit).toMatchObject({ state: "closed", consecutiveFailures: 0 });
  });

  test("429 with Retry-After delays the retry by that long, not by the (shorter) backoff", async () => {
    const endpoint = receiver((request) =>
      endpoint.requests.indexOf(request) === 0
        ? new Response("slow down", { status: 429, headers: { "retry-after": "1" } })
        : new Response("ok"),
    );
    await putDeliveryQueue(call, "throttled", endpoint.url, {}, { backoff: { baseMs: 10, maxMs: 60_000 } });
    await publishMany(call, "throttled", ["x"]);
    await waitFor("delivered after the 429", () => queueIsEmpty(call, "throttled"));
    const [first, second] = endpoint.requests;
    expect(first!.status).toBe(429);
    expect(second!.status).toBe(200);
    // A lower bound only: the retry may come later on a busy machine, never sooner.
    expect(second!.startedAt - first!.endedAt!).toBeGreaterThanOrEqual(950);
  });

  test("a rotated secret keeps signing for the overlap: both the old and the new one verify", async () => {
    const endpoint = receiver();
    await putDeliveryQueue(call, "rotating", endpoint.url);
    const newSecret = "whsec_" + Buffer.from("a brand new secret of 32 bytes!!").toString("base64");
    await putDeliveryQueue(call, "rotating", endpoint.url, { secret: newSecret });
    const queue = await call("GET", "/v1/queues/rotating");
    expect(queue.body.deliveryState.previousSecretUntil).not.toBeNull();
    await publishMany(call, "rotating", ["after rotation"]);
    await waitFor("delivered", () => queueIsEmpty(call, "rotating"));
    const [request] = endpoint.requests;
    expect(request!.headers["webhook-signature"]!.split(" ")).toHaveLength(2);
    expect(() => new Webhook(SECRET).verify(request!.body, request!.headers)).not.toThrow();
    expect(() => new Webhook(newSecret).verify(request!.body, request!.headers)).not.toThrow();
  });
});
