import { afterEach, describe, expect, test } from "bun:test";
import { createServer, type Socket } from "node:net";
import { startReceiver, type WebhookReceiver } from "../../test/helpers/webhook-receiver.ts";
import { createWebhookSender, type WebhookRequest, type WebhookSender } from "./sender.ts";

const SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function receiver(options: Parameters<typeof startReceiver>[0] = {}): WebhookReceiver {
  const started = startReceiver(options);
  cleanups.push(() => started.stop());
  return started;
}

function sender(options: Partial<Parameters<typeof createWebhookSender>[0]> = {}): WebhookSender {
  const created = createWebhookSender({ allowCidrs: "127.0.0.1/32", ...options });
  cleanups.push(() => created.close());
  return created;
}

function request(url: string, extra: Partial<WebhookRequest> = {}): WebhookRequest {
  return { url, messageId: "msg_1", body: '{"n":1}', secrets: [SECRET], timeoutMs: 10_000, ...extra };
}

describe("webhook sender", () => {
  test("POSTs the body with the Standard Webhooks headers; extra headers cannot replace them", async () => {
    const endpoint = receiver();
    const outcome = await sender({ userAgent: "test-agent", now: () => 1_700_000_000_999 }).send(
      request(`${endpoint.origin}/hook?x=1`, {
        headers: { "X-Millrace-Queue": "orders", "webhook-id": "forged", host: "forged.example" },
      }),
    );
    expect(outcome).toMatchObject({ kind: "response", status: 200, responseExcerpt: "ok", retryAfterMs: null });
    const [got] = endpoint.requests;
    expect(got).toMatchObject({ method: "POST", path: "/hook?x=1", body: '{"n":1}' });
    expect(got!.headers).toMatchObject({
      host: `127.0.0.1:${endpoint.port}`,
      "content-type": "application/json",
      "user-agent": "test-agent",
      "webhook-id": "msg_1",
      "webhook-timestamp": "1700000000",
      "x-millrace-queue": "orders",
    });
    expect(got!.headers["webhook-signature"]).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
  });

  test("keeps one connection alive across sequential sends; close() drops it", async () => {
    const endpoint = receiver();
    const webhooks = sender();
    for (let i = 0; i < 5; i++) {
      expect((await webhooks.send(request(`${endpoint.origin}/`))).kind).toBe("response");
    }
    expect(endpoint.requests).toHaveLength(5);
    expect(endpoint.connections()).toBe(1);
    webhooks.close();
    await webhooks.send(request(`${endpoint.origin}/`));
    expect(endpoint.connections()).toBe(2);
  });

  test("reads 1 KiB of a response and abandons a connection whose body was not finished", async () => {
    let cancelled = 0;
    const endpoint = receiver({
      respond: (got) =>
        got.path === "/endless"
          ? new Response(
              new ReadableStream({
                pull: (controller) => controller.enqueue(new TextEncoder().encode("é".repeat(8192))),
                cancel: () => void cancelled++,
              }),
              { status: 500 },
            )
          : new Response("small"),
    });
    const webhooks = sender();
    await webhooks.send(request(`${endpoint.origin}/`));
    const big = await webhooks.send(request(`${endpoint.origin}/endless`));
    expect(big).toMatchObject({ kind: "response", status: 500 });
    if (big.kind !== "response") throw new Error("unreachable");
    expect(Buffer.byteLength(big.responseExcerpt)).toBe(1024);
    expect(big.responseExcerpt).toBe("é".repeat(512));
    await webhooks.send(request(`${endpoint.origin}/`));
    const ports = endpoint.requests.map((got) => got.peerPort);
    expect(ports[0]).toBe(ports[1]);
    expect(ports[2]).not.toBe(ports[1]!);
    while (cancelled === 0) await Bun.sleep(5); // the endless stream was cancelled, not drained
  });

  test("redirects are returned, never followed", async () => {
    const endpoint = receiver({
      respond: (got) =>
        got.path === "/moved"
          ? new Response("see /new", { status: 301, headers: { location: "/new" } })
          : new Response("followed"),
    });
    const outcome = await sender().send(request(`${endpoint.origin}/moved`));
    expect(outcome).toMatchObject({ kind: "response", status: 301, responseExcerpt: "see /new" });
    expect(endpoint.requests.map((got) => got.path)).toEqual(["/moved"]);
  });

  test("Retry-After in seconds or as an HTTP date", async () => {
    const now = Date.parse("2030-01-01T00:00:00Z");
    const endpoint = receiver({
      respond: (got) =>
        new Response("busy", {
          status: got.path === "/date" ? 503 : 429,
          headers: { "retry-after": got.path === "/date" ? "Tue, 01 Jan 2030 00:00:30 GMT" : "7" },
        }),
    });
    const webhooks = sender({ now: () => now });
    expect(await webhooks.send(request(`${endpoint.origin}/seconds`))).toMatchObject({
      status: 429,
      retryAfterMs: 7000,
    });
    expect(await webhooks.send(request(`${endpoint.origin}/date`))).toMatchObject({
      status: 503,
      retryAfterMs: 30_000,
    });
  });

  test("the timeout covers waiting for headers and for the first KiB of the body", async () => {
    const { promise: release, resolve: letGo } = Promise.withResolvers<void>();
    cleanups.push(letGo);
    const endpoint = receiver({
      respond: async (got) => {
        if (got.path === "/no-headers") await release;
        const stalled = new ReadableStream({
          start: (controller) => controller.enqueue(new TextEncoder().encode("partial")),
          pull: () => release,
        });
        return new Response(stalled);
      },
    });
    const webhooks = sender();
    for (const path of ["/no-headers", "/stalled-body"]) {
      const outcome = await webhooks.send(request(`${endpoint.origin}${path}`, { timeoutMs: 300 }));
      expect(outcome).toMatchObject({ kind: "timeout", error: "no response within 300 ms" });
    }
  });

  test("a connection closed without an answer, and a port nobody listens on, are connection errors", async () => {
    const sockets = new Set<Socket>();
    const closer = createServer((socket) => {
      sockets.add(socket);
      socket.once("data", () => socket.destroy());
    });
    await new Promise<void>((resolve) => closer.listen(0, "127.0.0.1", resolve));
    cleanups.push(() => new Promise((resolve) => closer.close(resolve)));
    const port = (closer.address() as { port: number }).port;
    const webhooks = sender();
    expect(await webhooks.send(request(`http://127.0.0.1:${port}/`))).toMatchObject({ kind: "connection_error" });
    expect(sockets.size).toBe(1);

    const gone = createServer();
    await new Promise<void>((resolve) => gone.listen(0, "127.0.0.1", resolve));
    const gonePort = (gone.address() as { port: number }).port;
    await new Promise((resolve) => gone.close(resolve));
    const outcome = await webhooks.send(request(`http://127.0.0.1:${gonePort}/`));
    expect(outcome.kind).toBe("connection_error");
    if (outcome.kind !== "response") expect(outcome.error).not.toBe("");
  });

  test("a name that does not resolve is a connection error; aborting the caller's signal rejects", async () => {
    const webhooks = sender({ resolveHost: () => Promise.reject(new Error("ENOTFOUND")) });
    expect(await webhooks.send(request("http://nowhere.test/"))).toMatchObject({
      kind: "connection_error",
      error: "cannot resolve nowhere.test: ENOTFOUND",
    });
    const endpoint = receiver({ respond: () => new Promise<Response>(() => {}) });
    const controller = new AbortController();
    const sending = sender().send(request(`${endpoint.origin}/`), controller.signal);
    while (endpoint.requests.length === 0) await Bun.sleep(5);
    controller.abort(new Error("shutting down"));
    const reason = await sending.then(
      () => null,
      (error: unknown) => error,
    );
    expect(reason).toMatchObject({ message: "shutting down" });
  });
});
