import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generateKey } from "../../src/auth/api-key-format.ts";
import { errorCode, startApp, type RunningApp } from "../helpers/start-app.ts";

// API-key authentication against the real server: every bad credential gets a clear 401 or 403.

const dir = mkdtempSync(join(tmpdir(), "millrace-keys-"));
const keysFile = join(dir, "api-keys");
const publisher = generateKey(["publish"], ["orders-*"], "publisher");
const consumer = generateKey(["consume"], ["orders-*"], "consumer");
const admin = generateKey(["admin"], ["*"], "admin");
let running: RunningApp;

beforeAll(async () => {
  writeFileSync(keysFile, `# test keys\n${publisher.line}\n\n${consumer.line}\n${admin.line} # the operator\n`);
  running = await startApp({ MILLRACE_AUTH: "api-key", MILLRACE_API_KEYS_FILE: keysFile });
  const created = await call("PUT", "/v1/queues/orders-eu", admin.key, {});
  expect(created.status).toBe(201);
  expect((await call("PUT", "/v1/queues/billing", admin.key, {})).status).toBe(201);
});
afterAll(async () => {
  await running.stop();
  rmSync(dir, { recursive: true, force: true });
});

function call(method: string, path: string, key: string | null, body?: unknown, authorization?: string) {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (authorization !== undefined) headers.authorization = authorization;
  else if (key !== null) headers.authorization = `Bearer ${key}`;
  return fetch(`${running.url}${path}`, {
    method,
    headers,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

describe("api-key authentication", () => {
  test("a key with the right scope and queue publishes", async () => {
    const response = await call("POST", "/v1/queues/orders-eu/messages", publisher.key, { body: { n: 1 } });
    expect(response.status).toBe(201);
  });

  test("a missing credential is 401 with WWW-Authenticate", async () => {
    const response = await call("POST", "/v1/queues/orders-eu/messages", null, { body: 1 });
    expect(response.status).toBe(401);
    expect(response.headers.get("www-authenticate")).toContain("Bearer");
    expect(await errorCode(response)).toBe("missing_credentials");
  });

  test("a malformed header or key is 401 malformed_credentials", async () => {
    const basic = await call("POST", "/v1/queues/orders-eu/messages", null, { body: 1 }, "Basic dXNlcjpwYXNz");
    expect(basic.status).toBe(401);
    expect(await errorCode(basic)).toBe("malformed_credentials");
    const notAKey = await call("POST", "/v1/queues/orders-eu/messages", "hunter2", { body: 1 });
    expect(notAKey.status).toBe(401);
    const body = (await notAKey.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe("malformed_credentials");
    expect(body.error.message).toContain("mrk_");
  });

  test("a wrong key (known id, wrong secret; or unknown id) is 401 invalid_credentials", async () => {
    const wrongSecret = publisher.key.slice(0, -4) + (publisher.key.endsWith("AAAA") ? "BBBB" : "AAAA");
    const unknownId = `mrk_0000000000000000_${publisher.key.slice(-43)}`;
    for (const key of [wrongSecret, unknownId]) {
      const response = await call("POST", "/v1/queues/orders-eu/messages", key, { body: 1 });
      expect(response.status).toBe(401);
      expect(await errorCode(response)).toBe("invalid_credentials");
    }
  });

  test("the wrong scope is 403 insufficient_scope, naming what is needed", async () => {
    const response = await call("POST", "/v1/queues/orders-eu/receive", publisher.key, { max: 1 });
    expect(response.status).toBe(403);
    const body = (await response.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe("insufficient_scope");
    expect(body.error.message).toContain("consume");
    const adminOnly = await call("DELETE", "/v1/queues/orders-eu", consumer.key);
    expect(adminOnly.status).toBe(403);
    const list = await call("GET", "/v1/queues", publisher.key);
    expect(list.status).toBe(403);
  });

  test("a queue outside the key's patterns is 403 queue_not_allowed", async () => {
    const response = await call("POST", "/v1/queues/billing/messages", publisher.key, { body: 1 });
    expect(response.status).toBe(403);
    expect(await errorCode(response)).toBe("queue_not_allowed");
    const encoded = await call("POST", "/v1/queues/%62illing/messages", publisher.key, { body: 1 });
    expect(encoded.status).toBe(403);
  });

  test("consume covers receive, ack and GET message; admin covers the rest", async () => {
    const received = await call("POST", "/v1/queues/orders-eu/receive", consumer.key, { max: 10 });
    expect(received.status).toBe(200);
    const { messages } = (await received.json()) as { messages: Array<{ id: string; receipt: string }> };
    expect(messages.length).toBeGreaterThan(0);
    expect((await call("GET", `/v1/queues/orders-eu/messages/${messages[0]!.id}`, consumer.key)).status).toBe(200);
    const acked = await call("POST", "/v1/queues/orders-eu/ack", consumer.key, {
      receipts: messages.map((m) => m.receipt),
    });
    expect(acked.status).toBe(200);
    expect((await call("GET", "/v1/queues", admin.key)).status).toBe(200);
    expect((await call("GET", "/v1/queues/orders-eu/dead", admin.key)).status).toBe(200);
  });

  test("health, metrics and the OpenAPI document stay unauthenticated", async () => {
    for (const path of ["/health/live", "/health/ready", "/health", "/metrics", "/openapi.json"]) {
      expect((await call("GET", path, null)).status).toBe(200);
    }
  });

  test("edits to the keys file are picked up without a restart, and a broken file keeps the old keys", async () => {
    const late = generateKey(["publish"], ["billing"], "late");
    const before = await call("POST", "/v1/queues/billing/messages", late.key, { body: 1 });
    expect(before.status).toBe(401);
    // Replace the file the way editors and config management do: write elsewhere, rename over.
    const staged = join(dir, "api-keys.new");
    writeFileSync(staged, `${publisher.line}\n${consumer.line}\n${admin.line}\n${late.line}\n`);
    await Bun.$`mv ${staged} ${keysFile}`.quiet();
    let status = 0;
    for (let i = 0; i < 100 && status !== 201; i++) {
      status = (await call("POST", "/v1/queues/billing/messages", late.key, { body: 1 })).status;
      if (status !== 201) await Bun.sleep(50);
    }
    expect(status).toBe(201);

    writeFileSync(keysFile, "id=nonsense\n");
    await running.app.reload();
    expect((await call("POST", "/v1/queues/billing/messages", late.key, { body: 1 })).status).toBe(201);
    expect(running.logText()).toContain("api keys file is invalid; the previous keys stay in force");

    writeFileSync(keysFile, `${admin.line}\n`);
    await running.app.reload();
    expect((await call("POST", "/v1/queues/billing/messages", late.key, { body: 1 })).status).toBe(401);
  });

  test("the logs never contain a key or the Authorization header", () => {
    const logs = running.logText();
    for (const key of [publisher.key, consumer.key, admin.key]) {
      expect(logs).not.toContain(key);
      expect(logs).not.toContain(key.slice(21));
    }
    expect(logs).not.toContain("Bearer");
    expect(logs).toContain('"principal":"key:');
  });
});
