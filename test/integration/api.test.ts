import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { client, startApp, type RunningApp } from "../helpers/start-app.ts";

// Every v1 route over real HTTP against a real server on SQLite.

let server: RunningApp;
let call: ReturnType<typeof client>;
let counter = 0;
const fresh = (prefix = "q") => `${prefix}-${++counter}`;

beforeAll(async () => {
  server = await startApp();
  call = client(server.url);
});
afterAll(async () => server.stop());

async function queue(settings: object = {}): Promise<string> {
  const name = fresh();
  const response = await call("PUT", `/v1/queues/${name}`, settings);
  expect(response.status).toBe(201);
  return name;
}

describe("queues", () => {
  test("PUT creates (201) then updates (200), GET shows settings and stats, list includes it", async () => {
    const name = fresh();
    const created = await call("PUT", `/v1/queues/${name}`, { maxAttempts: 4, backoff: { baseMs: 10 } });
    expect(created.status).toBe(201);
    expect(created.body.settings).toMatchObject({
      maxAttempts: 4,
      visibilityTimeoutSeconds: 30,
      backoff: { baseMs: 10, maxMs: 60000 },
    });
    const updated = await call("PUT", `/v1/queues/${name}`, { visibilityTimeoutSeconds: 5 });
    expect(updated.status).toBe(200);
    expect(updated.body.settings).toMatchObject({ maxAttempts: 4, visibilityTimeoutSeconds: 5 });
    await call("POST", `/v1/queues/${name}/messages`, { body: 1 });
    const shown = await call("GET", `/v1/queues/${name}`);
    expect(shown.body.stats).toMatchObject({ ready: 1, delayed: 0, leased: 0, dead: 0 });
    const list = await call("GET", "/v1/queues");
    expect(list.body.queues.map((q: { name: string }) => q.name)).toContain(name);
  });

  test("purge drops messages; DELETE removes the queue; both 404 afterwards", async () => {
    const name = await queue();
    await call("POST", `/v1/queues/${name}/messages`, { messages: [{ body: 1 }, { body: 2 }] });
    expect((await call("POST", `/v1/queues/${name}/purge`)).body).toEqual({ purged: 2 });
    expect((await call("DELETE", `/v1/queues/${name}`)).status).toBe(204);
    for (const [method, path, body] of [
      ["GET", `/v1/queues/${name}`, undefined],
      ["DELETE", `/v1/queues/${name}`, undefined],
      ["POST", `/v1/queues/${name}/messages`, { body: 1 }],
      ["POST", `/v1/queues/${name}/receive`, { max: 1 }],
    ] as const) {
      const response = await call(method, path, body);
      expect(response.status).toBe(404);
      expect(response.body.error.code).toBe("queue_not_found");
    }
  });

  test("a delivery secret is stored but never echoed", async () => {
    const name = fresh();
    const response = await call("PUT", `/v1/queues/${name}`, {
      delivery: { url: "https://example.test/hook", secret: "whsec_c2VjcmV0c2VjcmV0c2VjcmV0" },
    });
    expect(response.status).toBe(201);
    expect(response.body.settings.delivery).toMatchObject({
      url: "https://example.test/hook",
      secret: "(set)",
      timeoutSeconds: 10,
    });
    expect(JSON.stringify(response.body)).not.toContain("c2VjcmV0");
  });
});

describe("publish, receive, ack", () => {
  test("round trip with headers, priority, binary bodies and message lookup", async () => {
    const name = await queue();
    const one = await call("POST", `/v1/queues/${name}/messages`, { body: { n: 1 }, headers: { type: "a" } });
    expect(one.status).toBe(201);
    expect(one.body).toEqual({ id: expect.any(String), duplicate: false });
    const bytes = await call("POST", `/v1/queues/${name}/messages`, { bodyBase64: "AAEC/w==", priority: 9 });
    const received = await call("POST", `/v1/queues/${name}/receive`, { max: 10 });
    expect(received.status).toBe(200);
    expect(received.body.messages.map((m: { id: string }) => m.id)).toEqual([bytes.body.id, one.body.id]);
    expect(received.body.messages[0]).toMatchObject({ bodyBase64: "AAEC/w==", priority: 9, attempts: 1 });
    expect(received.body.messages[1]).toMatchObject({ body: { n: 1 }, headers: { type: "a" } });

    const state = await call("GET", `/v1/queues/${name}/messages/${one.body.id}`);
    expect(state.body).toMatchObject({ id: one.body.id, state: "leased", attempts: 1 });

    const receipts = received.body.messages.map((m: { receipt: string }) => m.receipt);
    const acked = await call("POST", `/v1/queues/${name}/ack`, { receipts });
    expect(acked.body.results.map((r: { result: string }) => r.result)).toEqual(["ok", "ok"]);
    const again = await call("POST", `/v1/queues/${name}/ack`, { receipts });
    expect(again.body.results.map((r: { result: string }) => r.result)).toEqual(["lease_lost", "lease_lost"]);
    expect((await call("GET", `/v1/queues/${name}/messages/${one.body.id}`)).status).toBe(404);
  });

  test("batch publish returns one result per message, in order", async () => {
    const name = await queue();
    const messages = Array.from({ length: 1000 }, (_, i) => ({ body: i }));
    const response = await call("POST", `/v1/queues/${name}/messages`, { messages });
    expect(response.status).toBe(201);
    expect(response.body.messages).toHaveLength(1000);
    const received = await call("POST", `/v1/queues/${name}/receive`, { max: 1000 });
    expect(received.body.messages.map((m: { body: number }) => m.body)).toEqual(messages.map((m) => m.body));
  });

  test("dedupId and Idempotency-Key return the first id with duplicate: true", async () => {
    const name = await queue();
    const first = await call("POST", `/v1/queues/${name}/messages`, { body: 1 }, { "idempotency-key": "pay-7" });
    const second = await call("POST", `/v1/queues/${name}/messages`, { body: 2 }, { "idempotency-key": "pay-7" });
    expect(first.status).toBe(201);
    expect(second.status).toBe(200);
    expect(second.body).toEqual({ id: first.body.id, duplicate: true });
    const byField = await call("POST", `/v1/queues/${name}/messages`, { body: 3, dedupId: "pay-7" });
    expect(byField.body).toEqual({ id: first.body.id, duplicate: true });
  });

  test("maxMessages answers 429 with Retry-After", async () => {
    const name = await queue({ maxMessages: 1 });
    expect((await call("POST", `/v1/queues/${name}/messages`, { body: 1 })).status).toBe(201);
    const full = await call("POST", `/v1/queues/${name}/messages`, { body: 2 });
    expect(full.status).toBe(429);
    expect(full.headers.get("retry-after")).toBe("1");
    expect(full.body.error.code).toBe("queue_full");
  });

  test("delaySeconds and notBefore hide the message until then", async () => {
    const name = await queue();
    await call("POST", `/v1/queues/${name}/messages`, { body: 1, delaySeconds: 3600 });
    await call("POST", `/v1/queues/${name}/messages`, {
      body: 2,
      notBefore: new Date(Date.now() + 3_600_000).toISOString(),
    });
    expect((await call("POST", `/v1/queues/${name}/receive`, { max: 10 })).body.messages).toEqual([]);
    expect((await call("GET", `/v1/queues/${name}`)).body.stats.delayed).toBe(2);
  });

  test("nack with delay and error, extend, and fencing of an old receipt", async () => {
    const name = await queue({ backoff: { jitter: "none" } });
    await call("POST", `/v1/queues/${name}/messages`, { body: "x" });
    const [first] = (await call("POST", `/v1/queues/${name}/receive`, { visibilityTimeoutSeconds: 60 })).body.messages;
    const extended = await call("POST", `/v1/queues/${name}/extend`, {
      receipts: [first.receipt],
      visibilityTimeoutSeconds: 120,
    });
    expect(extended.body.results[0].result).toBe("ok");
    const nacked = await call("POST", `/v1/queues/${name}/nack`, {
      receipts: [first.receipt],
      delaySeconds: 0,
      error: "db down",
    });
    expect(nacked.body.results[0].result).toBe("ok");
    const [second] = (await call("POST", `/v1/queues/${name}/receive`, {})).body.messages;
    expect(second).toMatchObject({ id: first.id, attempts: 2, lastError: "db down" });
    for (const verb of ["ack", "nack", "extend"]) {
      const stale = await call("POST", `/v1/queues/${name}/${verb}`, { receipts: [first.receipt] });
      expect(stale.status).toBe(200);
      expect(stale.body.results[0].result).toBe("lease_lost");
    }
    expect((await call("POST", `/v1/queues/${name}/ack`, { receipts: [second.receipt] })).body.results[0].result).toBe(
      "ok",
    );
  });

  test("a long-poll is woken at once by a publish", async () => {
    const name = await queue();
    const waiting = call("POST", `/v1/queues/${name}/receive`, { waitSeconds: 30 });
    await Bun.sleep(100);
    await call("POST", `/v1/queues/${name}/messages`, { body: "wake" });
    const response = await waiting;
    expect(response.body.messages.map((m: { body: string }) => m.body)).toEqual(["wake"]);
  });

  test("a long-poll with nothing to receive returns empty after waitSeconds", async () => {
    const name = await queue();
    const response = await call("POST", `/v1/queues/${name}/receive`, { waitSeconds: 1 });
    expect(response.status).toBe(200);
    expect(response.body.messages).toEqual([]);
  });

  test("ordering groups release the next message only after the first is acked", async () => {
    const name = await queue();
    await call("POST", `/v1/queues/${name}/messages`, {
      messages: [
        { body: 1, groupId: "g" },
        { body: 2, groupId: "g" },
      ],
    });
    const first = (await call("POST", `/v1/queues/${name}/receive`, { max: 10 })).body.messages;
    expect(first.map((m: { body: number }) => m.body)).toEqual([1]);
    expect((await call("POST", `/v1/queues/${name}/receive`, { max: 10 })).body.messages).toEqual([]);
    await call("POST", `/v1/queues/${name}/ack`, { receipts: [first[0].receipt] });
    expect((await call("POST", `/v1/queues/${name}/receive`, { max: 10 })).body.messages[0].body).toBe(2);
  });
});

describe("dead letters", () => {
  test("browse with cursor, redrive by id and all, purge", async () => {
    const name = await queue({ maxAttempts: 1 });
    const published = (
      await call("POST", `/v1/queues/${name}/messages`, { messages: [{ body: 1 }, { body: 2 }, { body: 3 }] })
    ).body.messages;
    const leased = (await call("POST", `/v1/queues/${name}/receive`, { max: 3 })).body.messages;
    await call("POST", `/v1/queues/${name}/nack`, {
      receipts: leased.map((m: { receipt: string }) => m.receipt),
      error: "poison",
    });

    const page1 = await call("GET", `/v1/queues/${name}/dead?limit=2`);
    expect(page1.body.messages.map((m: { id: string }) => m.id)).toEqual([published[0].id, published[1].id]);
    expect(page1.body.messages[0]).toMatchObject({ state: "dead", lastError: "poison", attempts: 1 });
    const page2 = await call("GET", `/v1/queues/${name}/dead?limit=2&after=${page1.body.nextCursor}`);
    expect(page2.body).toMatchObject({ nextCursor: null });
    expect(page2.body.messages.map((m: { id: string }) => m.id)).toEqual([published[2].id]);

    expect((await call("POST", `/v1/queues/${name}/dead/redrive`, { ids: [published[0].id] })).body).toEqual({
      redriven: 1,
    });
    expect((await call("GET", `/v1/queues/${name}/messages/${published[0].id}`)).body).toMatchObject({
      state: "ready",
      attempts: 0,
    });
    expect((await call("POST", `/v1/queues/${name}/dead/redrive`, { all: true })).body).toEqual({ redriven: 2 });
    expect((await call("DELETE", `/v1/queues/${name}/dead`)).body).toEqual({ purged: 0 });
  });
});

describe("topics", () => {
  test("fan-out to matching subscriptions, atomically", async () => {
    const topic = fresh("t");
    const audit = await queue();
    const billing = await queue();
    expect((await call("PUT", `/v1/topics/${topic}`)).status).toBe(201);
    expect((await call("PUT", `/v1/topics/${topic}`)).status).toBe(200);
    expect((await call("PUT", `/v1/topics/${topic}/subscriptions/audit`, { queue: audit })).status).toBe(201);
    const sub = await call("PUT", `/v1/topics/${topic}/subscriptions/billing`, {
      queue: billing,
      filter: { type: "invoice.paid" },
    });
    expect(sub.body).toMatchObject({ queue: billing, filter: { type: ["invoice.paid"] } });

    const paid = await call("POST", `/v1/topics/${topic}/events`, {
      body: { amount: 5 },
      headers: { type: "invoice.paid" },
    });
    expect(paid.status).toBe(201);
    expect(paid.body.deliveries.map((d: { queue: string }) => d.queue).sort()).toEqual([audit, billing].sort());
    const other = await call("POST", `/v1/topics/${topic}/events`, { body: 1, headers: { type: "user.created" } });
    expect(other.body.deliveries.map((d: { queue: string }) => d.queue)).toEqual([audit]);
    const subs = await call("GET", `/v1/topics/${topic}/subscriptions`);
    expect(subs.body.subscriptions.map((s: { name: string }) => s.name)).toEqual(["audit", "billing"]);
    expect((await call("POST", `/v1/topics/${fresh("t")}/events`, { body: 1 })).status).toBe(404);
  });
});

describe("health and docs", () => {
  test("live, ready and detail answer 200; openapi lists the routes; docs are off by default", async () => {
    expect((await call("GET", "/health/live")).status).toBe(200);
    expect((await call("GET", "/health/ready")).body).toEqual({ status: "ready" });
    expect((await call("GET", "/health")).body).toMatchObject({
      status: "ready",
      // One SQLite instance is its own fleet: it always runs the maintenance.
      leader: true,
      checks: { database: { ok: true, driver: "sqlite" } },
    });
    const spec = await call("GET", "/openapi.json");
    expect(spec.status).toBe(200);
    expect(Object.keys(spec.body.paths)).toEqual(
      expect.arrayContaining(["/v1/queues/{queue}/messages", "/v1/queues/{queue}/receive"]),
    );
    expect(spec.body.paths["/v1/queues/{queue}/receive"].post.requestBody).toBeDefined();
    expect((await call("GET", "/docs")).status).toBe(404);
  });
});
