import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { client, startApp, type RunningApp } from "../helpers/start-app.ts";

// Bad input always gets a 4xx JSON error that names the field and says how to fix it; never a 5xx.

let server: RunningApp;
let call: ReturnType<typeof client>;
const Q = "bad-input";

beforeAll(async () => {
  server = await startApp({ MILLRACE_MAX_BODY_BYTES: "65536" });
  call = client(server.url);
  await call("PUT", `/v1/queues/${Q}`, {});
});
afterAll(async () => server.stop());

async function expectError(
  response: Promise<{ status: number; body: any }>,
  status: number,
  field: string | null,
  code?: string,
): Promise<string> {
  const { status: actual, body } = await response;
  expect(actual).toBe(status);
  expect(body.error.message).toBeString();
  expect(body.error.message.length).toBeGreaterThan(10);
  if (code) expect(body.error.code).toBe(code);
  if (field !== null) {
    expect(body.error.details.field).toBe(field);
    expect(body.error.message).toStartWith(`${field}: `);
  }
  return body.error.message as string;
}

describe("bad input", () => {
  test("malformed JSON", async () => {
    await expectError(call("POST", `/v1/queues/${Q}/messages`, '{"body": '), 400, null, "malformed_json");
    await expectError(call("PUT", `/v1/queues/${Q}`, "[1,"), 400, null, "malformed_json");
  });

  test("wrong types name the field and what it must be", async () => {
    const message = await expectError(call("POST", `/v1/queues/${Q}/receive`, { max: "ten" }), 400, "max");
    expect(message).toContain("whole number from 1 to 1000");
    await expectError(call("POST", `/v1/queues/${Q}/messages`, { body: 1, headers: { a: 5 } }), 400, "headers.a");
    await expectError(call("POST", `/v1/queues/${Q}/messages`, { body: 1, priority: 1.5 }), 400, "priority");
    await expectError(call("PUT", `/v1/queues/${Q}`, { maxAttempts: "three" }), 400, "maxAttempts");
    await expectError(call("PUT", `/v1/queues/${Q}`, { backoff: { jitter: "some" } }), 400, "backoff.jitter");
    await expectError(
      call("POST", `/v1/queues/${Q}/messages`, { messages: [{ body: 1 }, { body: 2, groupId: 7 }] }),
      400,
      "messages[1].groupId",
    );
  });

  test("unknown fields are refused, not ignored", async () => {
    const message = await expectError(
      call("POST", `/v1/queues/${Q}/messages`, { body: 1, dealySeconds: 5 }),
      400,
      "dealySeconds",
    );
    expect(message).toContain("not a known field");
  });

  test("a missing body, or two bodies", async () => {
    await expectError(call("POST", `/v1/queues/${Q}/messages`, { headers: {} }), 400, "body");
    await expectError(call("POST", `/v1/queues/${Q}/messages`, { body: 1, bodyBase64: "AA==" }), 400, "body");
    await expectError(call("POST", `/v1/queues/${Q}/messages`, { bodyBase64: "%%%" }), 400, "bodyBase64");
    await expectError(
      call("POST", `/v1/queues/${Q}/messages`, { messages: [{ body: 1 }, {}] }),
      400,
      "messages[1].body",
    );
  });

  test("an oversized body answers 413, with Content-Length or chunked", async () => {
    const big = JSON.stringify({ body: "x".repeat(70_000) });
    await expectError(call("POST", `/v1/queues/${Q}/messages`, big), 413, null, "body_too_large");
    const chunks = [big.slice(0, 40_000), big.slice(40_000)];
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (const chunk of chunks) controller.enqueue(new TextEncoder().encode(chunk));
        controller.close();
      },
    });
    const response = await fetch(`${server.url}/v1/queues/${Q}/messages`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: stream,
    });
    expect(response.status).toBe(413);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe("body_too_large");
  });

  test("batches over 1000 messages and empty batches", async () => {
    const messages = Array.from({ length: 1001 }, () => ({ body: 1 }));
    expect(await expectError(call("POST", `/v1/queues/${Q}/messages`, { messages }), 400, "messages")).toContain(
      "1000",
    );
    await expectError(call("POST", `/v1/queues/${Q}/messages`, { messages: [] }), 400, "messages");
  });

  test("bad queue names", async () => {
    for (const name of ["-leading-dash", "has%20space", "x".repeat(129), "sp%C3%A9cial"]) {
      const message = await expectError(call("PUT", `/v1/queues/${name}`, {}), 400, "queue", "invalid_name");
      expect(message).toContain("1-128 characters");
    }
    await expectError(call("POST", `/v1/topics/bad!name/events`, { body: 1 }), 400, "topic");
  });

  test("unknown receipts", async () => {
    // Malformed receipts answer per receipt (test/integration/receipts.test.ts); only the list itself is checked.
    const malformed = await call("POST", `/v1/queues/${Q}/nack`, { receipts: ["r1.1.1", "r9.x"] });
    expect(malformed.status).toBe(200);
    expect(malformed.body.results.map((r: { result: string }) => r.result)).toEqual([
      "invalid_receipt",
      "invalid_receipt",
    ]);
    await expectError(call("POST", `/v1/queues/${Q}/ack`, { receipts: [] }), 400, "receipts");
    const wellFormed = await call("POST", `/v1/queues/${Q}/ack`, {
      receipts: ["r2.zzzz.1.AAAAAAAAAAAAAAAAAAAAAA"],
    });
    expect(wellFormed.body.results).toEqual([{ receipt: "r2.zzzz.1.AAAAAAAAAAAAAAAAAAAAAA", result: "lease_lost" }]);
  });

  test("max above 1000, waitSeconds above 60, and negative delays", async () => {
    await expectError(call("POST", `/v1/queues/${Q}/receive`, { max: 1001 }), 400, "max");
    await expectError(call("POST", `/v1/queues/${Q}/receive`, { max: 0 }), 400, "max");
    await expectError(call("POST", `/v1/queues/${Q}/receive`, { waitSeconds: 61 }), 400, "waitSeconds");
    await expectError(call("POST", `/v1/queues/${Q}/messages`, { body: 1, delaySeconds: -1 }), 400, "delaySeconds");
    await expectError(
      call("POST", `/v1/queues/${Q}/nack`, { receipts: ["r1.1.1"], delaySeconds: -5 }),
      400,
      "delaySeconds",
    );
    await expectError(
      call("POST", `/v1/queues/${Q}/messages`, { body: 1, notBefore: "next tuesday" }),
      400,
      "notBefore",
    );
    await expectError(
      call("POST", `/v1/queues/${Q}/messages`, { body: 1, delaySeconds: 1, notBefore: "2030-01-01T00:00:00Z" }),
      400,
      "delaySeconds",
    );
  });

  test("bad cursors and redrive requests", async () => {
    await expectError(call("GET", `/v1/queues/${Q}/dead?after=!!!`), 400, "after");
    await expectError(call("GET", `/v1/queues/${Q}/dead?limit=0`), 400, "limit");
    await expectError(call("GET", `/v1/queues/${Q}/dead?limit=ten`), 400, "limit");
    await expectError(call("POST", `/v1/queues/${Q}/dead/redrive`, {}), 400, "ids");
    await expectError(call("POST", `/v1/queues/${Q}/dead/redrive`, { ids: ["a"], all: true }), 400, "ids");
  });

  test("unknown routes and messages answer 404 JSON", async () => {
    await expectError(call("GET", "/v1/nothing-here"), 404, null, "not_found");
    await expectError(
      call("GET", `/v1/queues/${Q}/messages/01900000-0000-7000-8000-000000000000`),
      404,
      null,
      "message_not_found",
    );
    await expectError(call("PUT", `/v1/topics/t-missing/subscriptions/s`, { queue: Q }), 404, null, "topic_not_found");
  });

  test("after all that, data already accepted is intact", async () => {
    const published = await call("POST", `/v1/queues/${Q}/messages`, { body: "kept" });
    expect(published.status).toBe(201);
    const received = await call("POST", `/v1/queues/${Q}/receive`, { max: 10 });
    expect(received.body.messages.map((m: { body: string }) => m.body)).toContain("kept");
  });
});
