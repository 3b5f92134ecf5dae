import { afterAll, beforeAll, expect, test } from "bun:test";
import { Broker } from "../broker/broker.ts";
import type { Store } from "../storage/store.ts";
import { openTestStore } from "../../test/helpers/test-store.ts";
import { buildHttpApp } from "./app.ts";
import { classify, pathOf } from "./route-access.ts";

let store: Store;
let cleanup: () => Promise<void>;
beforeAll(async () => ({ store, cleanup } = await openTestStore()));
afterAll(() => cleanup());

test("every route the app serves is classified with its own template", () => {
  const app = buildHttpApp({
    broker: new Broker(store),
    logger: { debug() {}, info() {}, warn() {}, error() {}, isEnabled: () => false },
    lifecycle: { phase: () => "ready", services: () => [] },
    version: "test",
    maxBodyBytes: 1024,
    docs: false,
    metrics: null,
    requestIds: new WeakMap(),
  });
  const routes = app.routes.filter((r) => r.path.startsWith("/v1/") || r.path.startsWith("/health"));
  expect(routes.length).toBeGreaterThan(15);
  for (const route of routes) {
    const template = route.path.length > 1 ? route.path.replace(/\/$/, "") : route.path;
    const concrete = template.replace(/:[a-z]+/g, "x");
    expect(`${route.method} ${classify(route.method, concrete).route}`).toBe(`${route.method} ${template}`);
  }
});

test("scopes and the resource the patterns check", () => {
  expect(classify("POST", "/v1/queues/orders/messages")).toEqual({
    route: "/v1/queues/:queue/messages",
    scopes: ["publish"],
    resource: "orders",
  });
  expect(classify("POST", "/v1/queues/orders/receive").scopes).toEqual(["consume"]);
  expect(classify("GET", "/v1/queues/orders/messages/abc").scopes).toEqual(["consume"]);
  expect(classify("POST", "/v1/queues/orders/dead/redrive").scopes).toEqual(["admin"]);
  expect(classify("PUT", "/v1/queues/orders").scopes).toEqual(["admin"]);
  expect(classify("GET", "/v1/queues").scopes).toEqual(["admin"]);
  expect(classify("POST", "/v1/topics/events/events")).toMatchObject({ scopes: ["publish"], resource: "events" });
  expect(classify("PUT", "/v1/topics/t/subscriptions/s").scopes).toEqual(["admin"]);
  expect(classify("GET", "/v1/queues/a%2Fb").resource).toBe("a/b");
  expect(classify("GET", "/v1/anything")).toEqual({ route: "unmatched", scopes: ["admin"], resource: null });
  expect(classify("GET", "/health/ready").scopes).toEqual([]);
  expect(classify("GET", "/docs/json").route).toBe("/docs");
  expect(classify("GET", "/favicon.ico")).toEqual({ route: "unmatched", scopes: [], resource: null });
});

test("pathOf drops scheme, host and query", () => {
  expect(pathOf("http://127.0.0.1:7411/v1/queues?x=1")).toBe("/v1/queues");
  expect(pathOf("http://[::1]:7411/health")).toBe("/health");
  expect(pathOf("http://h")).toBe("/");
});
