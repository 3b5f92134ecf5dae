import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { Validator } from "@seriousme/openapi-schema-validator";
import { FormatRegistry } from "@sinclair/typebox";
import { Value } from "@sinclair/typebox/value";
import { routeTable } from "../../src/http/app.ts";
import { ErrorBody } from "../../src/http/response-schemas.ts";
import type { RouteDefinition } from "../../src/http/route.ts";
import { waitFor } from "../helpers/delivery-receiver.ts";
import { startApp, type RunningApp } from "../helpers/start-app.ts";

// /openapi.json from a real server: valid by an independent validator, complete enough for client
// generators, and true of the server: every route is called once and each success body is checked
// against the schema its route declares (this is what catches drift between views.ts and the schemas).

type Json = Record<string, any>;

// TypeBox checks formats only once they are registered; the API's times are RFC 3339 in UTC.
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
FormatRegistry.Set("date-time", (value) => RFC3339.test(value) && !Number.isNaN(Date.parse(value)));

let server: RunningApp;
let document: Json;
let routes: RouteDefinition[];

beforeAll(async () => {
  server = await startApp();
  const response = await fetch(`${server.url}/openapi.json`);
  expect(response.status).toBe(200);
  document = (await response.json()) as Json;
  // The same table the server mounted; only the schemas are read, so the broker is never called.
  routes = routeTable({
    broker: { store: {} } as never,
    lifecycle: {} as never,
    version: "test",
    docs: false,
    metrics: server.app.metrics,
  }).filter((route) => !route.hidden);
});
afterAll(async () => server.stop());

function operations(): Array<{ path: string; method: string; operation: Json }> {
  return Object.entries(document.paths as Json).flatMap(([path, item]) =>
    Object.entries(item as Json).map(([method, operation]) => ({ path, method, operation: operation as Json })),
  );
}

describe("the OpenAPI document", () => {
  test("is valid OpenAPI 3.1 according to @seriousme/openapi-schema-validator", async () => {
    const result = await new Validator().validate(document);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(document.openapi).toBe("3.1.0");
  });

  test("describes exactly the routes the server serves", () => {
    const documented = operations().map(({ path, method }) => `${method.toUpperCase()} ${path}`);
    const mounted = routes.map((route) => `${route.method} ${route.path.replace(/:([A-Za-z]+)/g, "{$1}")}`);
    expect(documented.sort()).toEqual(mounted.sort());
    const ids = operations().map(({ operation }) => operation.operationId as string);
    expect(new Set(ids).size).toBe(ids.length);
  });

  test("JSON request bodies only; security schemes; every /v1 route secured with 401 and 403; no trailing slash", () => {
    expect(Object.keys(document.components.securitySchemes).sort()).toEqual(["apiKey", "jwt"]);
    for (const { path, method, operation } of operations()) {
      const where = `${method} ${path}`;
      expect({ where, trailingSlash: path.length > 1 && path.endsWith("/") }).toEqual({ where, trailingSlash: false });
      if (operation.requestBody) {
        expect({ where, types: Object.keys(operation.requestBody.content) }).toEqual({
          where,
          types: ["application/json"],
        });
      }
      if (path.startsWith("/v1/")) {
        expect({ where, security: operation.security }).toEqual({ where, security: [{ apiKey: [] }, { jwt: [] }] });
        expect({ where, has401: "401" in operation.responses, has403: "403" in operation.responses }).toEqual({
          where,
          has401: true,
          has403: true,
        });
      } else {
        expect({ where, security: operation.security }).toEqual({ where, security: [] });
      }
    }
  });

  test("every response but a 204 has a schema, and every $ref resolves to a component", () => {
    for (const { path, method, operation } of operations()) {
      for (const [status, response] of Object.entries(operation.responses as Json)) {
        const where = `${method} ${path} ${status}`;
        const content = (response as Json).content as Json | undefined;
        if (status === "204") {
          expect({ where, content }).toEqual({ where, content: undefined });
          continue;
        }
        const media = Object.values(content ?? {})[0] as Json | undefined;
        expect({ where, hasSchema: media?.schema !== undefined && Object.keys(media.schema).length > 0 }).toEqual({
          where,
          hasSchema: true,
        });
      }
    }
    const refs = [...JSON.stringify(document).matchAll(/"\$ref":"#\/components\/schemas\/([^"]+)"/g)].map((m) => m[1]!);
    expect(refs.length).toBeGreaterThan(0);
    for (const name of refs)
      expect({ name, found: name in document.components.schemas }).toEqual({ name, found: true });
  });

  test("request examples are valid request bodies of their route", () => {
    const withExamples = routes.filter((route) => route.requestExamples !== undefined);
    expect(withExamples.map((route) => route.operationId).sort()).toEqual(
      [
        "ack",
        "extend",
        "nack",
        "publish",
        "publishEvent",
        "putQueue",
        "putSubscription",
        "receive",
        "redriveDeadLetters",
      ].sort(),
    );
    for (const route of withExamples) {
      for (const [name, example] of Object.entries(route.requestExamples!)) {
        const errors = [...Value.Errors(route.body!, example.value)].map((e) => `${e.path}: ${e.message}`);
        expect({ route: route.operationId, name, errors }).toEqual({ route: route.operationId, name, errors: [] });
      }
    }
    const publish = document.paths["/v1/queues/{queue}/messages"].post;
    expect(Object.keys(publish.requestBody.content["application/json"].examples)).toContain("batch");
  });
});

describe("responses match their declared schemas", () => {
  const exercised = new Set<string>();

  /** Calls a route on the real server and checks the body against the schema declared for the status. */
  async function call(method: string, template: string, values: Record<string, string>, body?: unknown) {
    const route = routes.find((candidate) => candidate.method === method && candidate.path === template);
    if (!route) throw new Error(`no route ${method} ${template}`);
    const path = template.replace(/:([A-Za-z]+)/g, (_, name: string) => encodeURIComponent(values[name]!));
    const response = await fetch(`${server.url}${path}`, {
      method,
      headers: { "content-type": "application/json" },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    const where = `${method} ${path} -> ${response.status}`;
    const spec = route.responses[response.status];
    expect({ where, declared: spec !== undefined, text: spec ? "" : text }).toEqual({
      where,
      declared: true,
      text: "",
    });
    exercised.add(route.operationId);
    if (spec!.schema === undefined) {
      if (spec!.contentType) expect(response.headers.get("content-type")).toContain(spec!.contentType);
      else expect({ where, text }).toEqual({ where, text: "" });
      return { status: response.status, body: undefined as any };
    }
    expect(response.headers.get("content-type")).toContain("application/json");
    const parsed = JSON.parse(text) as unknown;
    const errors = [...Value.Errors(spec!.schema, parsed)].map((e) => `${e.path}: ${e.message}`);
    expect({ where, errors, body: errors.length ? parsed : null }).toEqual({ where, errors: [], body: null });
    return { status: response.status, body: parsed as any };
  }

  test("health, queues, messages, dead letters and topics", async () => {
    for (const path of ["/health/live", "/health/ready", "/health"]) await call("GET", path, {});
    if (routes.some((route) => route.path === "/metrics")) await call("GET", "/metrics", {});

    const q = { queue: "orders" };
    expect((await call("PUT", "/v1/queues/:queue", q, { maxAttempts: 2 })).status).toBe(201);
    expect((await call("PUT", "/v1/queues/:queue", q, { visibilityTimeoutSeconds: 60 })).status).toBe(200);
    const hook = { queue: "hooked" };
    const delivery = { url: "http://127.0.0.1:9/hook", secret: "whsec_c2VjcmV0LXNlY3JldC1zZWNyZXQ=" };
    expect((await call("PUT", "/v1/queues/:queue", hook, { delivery })).body.settings.delivery.secret).toBe("(set)");
    await call("GET", "/v1/queues", {});
    await call("GET", "/v1/queues/:queue", q);

    const single = await call("POST", "/v1/queues/:queue/messages", q, { body: { n: 1 }, headers: { type: "a" } });
    expect(single.status).toBe(201);
    const batch = await call("POST", "/v1/queues/:queue/messages", q, {
      messages: [
        { bodyBase64: "aGVsbG8=", groupId: "g", dedupId: "d1" },
        { body: null, priority: 5 },
      ],
    });
    expect(batch.body.messages).toHaveLength(2);
    expect((await call("POST", "/v1/queues/:queue/messages", q, { body: 1, dedupId: "d1" })).status).toBe(200);

    const leased = (await call("POST", "/v1/queues/:queue/receive", q, { max: 10 })).body.messages as Json[];
    expect(leased).toHaveLength(3);
    expect(leased.some((message) => "bodyBase64" in message)).toBe(true);
    await call("POST", "/v1/queues/:queue/receive", q);
    const message = await call("GET", "/v1/queues/:queue/messages/:id", { ...q, id: single.body.id });
    expect(message.body.state).toBe("leased");
    const [first, second, third] = leased.map((m) => m.receipt as string);
    expect((await call("POST", "/v1/queues/:queue/extend", q, { receipts: [first] })).body.results).toEqual([
      { receipt: first, result: "ok" },
    ]);
    await call("POST", "/v1/queues/:queue/ack", q, { receipts: [first, first] });
    await call("POST", "/v1/queues/:queue/nack", q, { receipts: [second], delaySeconds: 0, error: "try again" });
    await call("POST", "/v1/queues/:queue/nack", q, { receipts: [third] });
    // The retried message shows its attempts and last error.
    const retried = (await call("POST", "/v1/queues/:queue/receive", q, { max: 10 })).body.messages as Json[];
    expect(retried.map((m) => m.lastError)).toContain("try again");
    expect((await call("POST", "/v1/queues/:queue/purge", q)).body.purged).toBeGreaterThan(0);
    // The stats refresher samples every 5 s by default: wait for one, so a sample meets the schema too.
    await waitFor("a history sample", async () => {
      const { body } = await call("GET", "/v1/queues/:queue/history", q);
      return (body.samples as Json[]).length > 0;
    });
    expect((await call("POST", "/v1/queues/:queue/receive", hook)).body.messages).toEqual([]);

    const dead = { queue: "poison" };
    await call("PUT", "/v1/queues/:queue", dead, { maxAttempts: 1 });
    await call("POST", "/v1/queues/:queue/messages", dead, { body: { bad: true } });
    const poisoned = (await call("POST", "/v1/queues/:queue/receive", dead)).body.messages as Json[];
    await call("POST", "/v1/queues/:queue/nack", dead, { receipts: [poisoned[0]!.receipt], error: "unparseable" });
    const browsed = await call("GET", "/v1/queues/:queue/messages", dead);
    expect(browsed.body).toMatchObject({ messages: [], nextCursor: null });
    const page = await call("GET", "/v1/queues/:queue/dead", dead);
    expect(page.body.messages[0]).toMatchObject({ state: "dead", lastError: "unparseable" });
    await call("POST", "/v1/queues/:queue/dead/redrive", dead, { all: true });
    await call("DELETE", "/v1/queues/:queue/dead", dead);
    expect((await call("POST", "/v1/queues/:queue/pause", dead)).body.paused).toBe(true);
    expect((await call("POST", "/v1/queues/:queue/resume", dead)).body.paused).toBe(false);

    const t = { topic: "order-events" };
    expect((await call("PUT", "/v1/topics/:topic", t)).status).toBe(201);
    expect((await call("PUT", "/v1/topics/:topic", t)).status).toBe(200);
    await call("GET", "/v1/topics", {});
    await call("GET", "/v1/topics/:topic", t);
    const s = { ...t, name: "to-orders" };
    await call("PUT", "/v1/topics/:topic/subscriptions/:name", s, { queue: "orders", filter: { type: "paid" } });
    await call("PUT", "/v1/topics/:topic/subscriptions/:name", s, { queue: "orders", filter: null });
    await call("GET", "/v1/topics/:topic/subscriptions", t);
    await call("GET", "/v1/topics/:topic/subscriptions/:name", s);
    const event = await call("POST", "/v1/topics/:topic/events", t, { body: { n: 2 }, headers: { type: "paid" } });
    expect(event.body.deliveries).toHaveLength(1);
    expect((await call("DELETE", "/v1/topics/:topic/subscriptions/:name", s)).status).toBe(204);
    expect((await call("DELETE", "/v1/topics/:topic", t)).status).toBe(204);
    expect((await call("DELETE", "/v1/queues/:queue", q)).status).toBe(204);

    // A new route fails here until it is exercised above.
    expect([...exercised].sort()).toEqual(routes.map((route) => route.operationId).sort());
  });

  test("error bodies match the Error component", async () => {
    for (const [method, path, body] of [
      ["GET", "/v1/queues/absent", undefined],
      ["POST", "/v1/queues/absent/receive", { max: "ten" }],
      ["GET", "/v1/no-such-route", undefined],
    ] as const) {
      const response = await fetch(`${server.url}${path}`, {
        method,
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      expect(response.status).toBeGreaterThanOrEqual(400);
      const parsed = (await response.json()) as unknown;
      expect({ path, errors: [...Value.Errors(ErrorBody, parsed)].map((e) => `${e.path}: ${e.message}`) }).toEqual({
        path,
        errors: [],
      });
    }
  });
});
