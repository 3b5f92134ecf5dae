import { expect, test } from "bun:test";
import type { RouteDefinition } from "./route.ts";
import { pathOf, Router } from "./router.ts";

function route(method: RouteDefinition["method"], path: string): RouteDefinition {
  return {
    method,
    path,
    operationId: `${method} ${path}`,
    summary: "",
    tag: "t",
    access: { public: true },
    responses: {},
    handle: () => new Response(),
  };
}

const router = new Router([
  route("GET", "/v1/queues"),
  route("PUT", "/v1/queues/:queue"),
  route("GET", "/v1/queues/:queue/messages/:id"),
  route("POST", "/v1/queues/:queue/dead/redrive"),
  route("GET", "/v1/queues/:queue/:other/redrive"),
]);

function matched(method: string, path: string) {
  const match = router.match(method, path);
  return match.kind === "route" ? { path: match.route.path, params: match.params } : match.kind;
}

test("matches exactly and decodes parameters once", () => {
  expect(matched("PUT", "/v1/queues/orders")).toEqual({ path: "/v1/queues/:queue", params: { queue: "orders" } });
  expect(matched("PUT", "/v1/queues/a%2Fb")).toEqual({ path: "/v1/queues/:queue", params: { queue: "a/b" } });
  expect(matched("PUT", "/v1/queues/%252F")).toEqual({ path: "/v1/queues/:queue", params: { queue: "%2F" } });
  expect(matched("GET", "/v1/queues/q/messages/m1")).toEqual({
    path: "/v1/queues/:queue/messages/:id",
    params: { queue: "q", id: "m1" },
  });
});

test("no leniency: trailing or double slashes, dot segments, case and encoded literals match nothing", () => {
  for (const path of [
    "/v1/queues/",
    "/v1/queues/orders/",
    "//v1/queues",
    "/v1//queues",
    "/v1/queues/./orders",
    "/v1/x/../queues",
    "/V1/queues",
    "/v1/%71ueues",
    "/v1/queues/%zz",
    "/v1/queues//messages/m",
    "v1/queues",
    "",
  ]) {
    expect(`${path} ${JSON.stringify(matched("GET", path))}`).toBe(`${path} "not_found"`);
  }
});

test("a literal wins over a parameter in the same place; other methods get 405 with the allowed ones", () => {
  expect(matched("POST", "/v1/queues/q/dead/redrive")).toEqual({
    path: "/v1/queues/:queue/dead/redrive",
    params: { queue: "q" },
  });
  expect(router.match("DELETE", "/v1/queues/q")).toEqual({ kind: "method_not_allowed", allow: ["PUT"] });
  expect(matched("HEAD", "/v1/queues")).toEqual({ path: "/v1/queues", params: {} });
});

test("a route declared twice is a startup error", () => {
  expect(() => new Router([route("GET", "/x"), route("GET", "/x")])).toThrow("route declared twice: GET /x");
});

test("pathOf drops scheme, host and query", () => {
  expect(pathOf("http://127.0.0.1:7411/v1/queues?x=1")).toBe("/v1/queues");
  expect(pathOf("http://[::1]:7411/health")).toBe("/health");
  expect(pathOf("http://h")).toBe("/");
});
