import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SignJWT } from "jose";
import { generateKey } from "../../src/auth/api-key-format.ts";
import type { Scope } from "../../src/auth/principal.ts";
import { routeTable } from "../../src/http/app.ts";
import type { RouteDefinition } from "../../src/http/route.ts";
import { rawRequest } from "../helpers/raw-http.ts";
import { startApp, type RunningApp } from "../helpers/start-app.ts";

// The generated authorisation matrix: every route of the route table, every kind of principal,
// and every spelling of the path. The expected answer is derived from the access rule the route
// declares, so a new route is covered without editing this file.

const ROUTES: readonly RouteDefinition[] = routeTable({
  broker: { database: null } as never,
  lifecycle: null as never,
  version: "test",
  docs: false,
  metrics: null,
});

const QUEUE = "orders-1";
const TOPIC = "orders-events";
const SUBSCRIPTION = "to-orders";
/** The other principals' pattern: it allows none of the names above. */
const OTHER_PATTERN = "billing*";

interface PrincipalKind {
  name: string;
  scopes: Scope[];
  patterns: string[];
}

const PRINCIPALS: PrincipalKind[] = [
  { name: "publish only", scopes: ["publish"], patterns: ["*"] },
  { name: "consume only", scopes: ["consume"], patterns: ["*"] },
  { name: "admin only", scopes: ["admin"], patterns: ["*"] },
  { name: "admin on another pattern", scopes: ["admin"], patterns: [OTHER_PATTERN] },
  { name: "every scope on another pattern", scopes: ["publish", "consume", "admin"], patterns: [OTHER_PATTERN] },
];

type Decision = "unauthenticated" | "insufficient_scope" | "queue_not_allowed" | "passed";

function expectedDecision(
  route: RouteDefinition,
  principal: PrincipalKind | null,
  params: Record<string, string>,
): Decision {
  if ("public" in route.access) return "passed";
  if (principal === null) return "unauthenticated";
  if (!route.access.scopes.some((scope) => principal.scopes.includes(scope))) return "insufficient_scope";
  const resource = route.access.resource === undefined ? null : params[route.access.resource]!;
  if (resource !== null && !principal.patterns.includes("*")) return "queue_not_allowed";
  return "passed";
}

function decisionOf(response: { status: number; body: string }): Decision {
  if (response.status === 401) return "unauthenticated";
  if (response.status === 403) {
    const code = (JSON.parse(response.body) as { error: { code: string } }).error.code;
    if (code === "insufficient_scope" || code === "queue_not_allowed") return code;
  }
  return "passed";
}

/** The route's path with its parameters filled in. */
function concrete(route: RouteDefinition, messageId: string): { path: string; params: Record<string, string> } {
  // `file`: a static asset of /docs or /ui (public routes; a name that does not exist is a 404 for everyone).
  const values: Record<string, string> = {
    queue: QUEUE,
    topic: TOPIC,
    name: SUBSCRIPTION,
    id: messageId,
    file: "main.js",
  };
  const params: Record<string, string> = {};
  const path = route.path.replace(/:([A-Za-z]+)/g, (_, name: string) => {
    const value = values[name];
    if (value === undefined) throw new Error(`the matrix has no value for :${name}; add one to concrete()`);
    params[name] = value;
    return value;
  });
  return { path, params };
}

/** Spellings that name no route: each must be 404 (or, if the server normalises it, decided like the canonical path). */
function unroutedSpellings(path: string): Array<[string, string]> {
  const [first, ...rest] = path.slice(1).split("/");
  const tail = rest.length > 0 ? `/${rest.join("/")}` : "";
  return [
    ["trailing slash", `${path}/`],
    ["leading double slash", `/${path}`],
    ["inner double slash", `/${first}/${tail}`],
    ["percent-encoded literal", `/%${first!.charCodeAt(0).toString(16)}${first!.slice(1)}${tail}`],
    ["dot segment", `/${first}/./${rest.join("/")}`],
    ["dot-dot segment", `/${first}/x/..${tail}`],
    ["upper case", `/${first!.toUpperCase()}${tail}`],
    ["semicolon parameter", `${path};x=1`],
  ];
}

/** Spellings of the same route and parameters: each must be decided exactly like the canonical path. */
function sameRouteSpellings(path: string, params: Record<string, string>): Array<[string, string]> {
  const spellings: Array<[string, string]> = [["query string", `${path}?x=1&limit=1`]];
  for (const value of Object.values(params)) {
    const encoded = [...value].map((c) => `%${c.charCodeAt(0).toString(16).padStart(2, "0")}`).join("");
    spellings.push([`percent-encoded parameter ${value}`, path.replace(value, encoded)]);
  }
  return spellings;
}

interface AuthMode {
  name: string;
  env: (dir: string) => Promise<Record<string, string>>;
  credential: (principal: PrincipalKind) => Promise<string>;
}

const JWT_SECRET = "matrix-secret-that-is-long-enough-for-hs256-0123456789";
const apiKeys = new Map(
  PRINCIPALS.map((p) => [p.name, generateKey(p.scopes, p.patterns, p.name.replaceAll(" ", "-"))]),
);
const operatorKey = generateKey(["admin", "publish", "consume"], ["*"], "operator");

const MODES: AuthMode[] = [
  {
    name: "api-key",
    env: async (dir) => {
      const file = join(dir, "api-keys");
      writeFileSync(file, [...apiKeys.values(), operatorKey].map((k) => k.line).join("\n") + "\n");
      return { MILLRACE_AUTH: "api-key", MILLRACE_API_KEYS_FILE: file };
    },
    credential: async (principal) => apiKeys.get(principal.name)!.key,
  },
  {
    name: "jwt",
    env: async () => ({
      MILLRACE_AUTH: "jwt",
      MILLRACE_JWT_SECRET: JWT_SECRET,
      MILLRACE_JWT_ISSUER: "https://issuer.test",
      MILLRACE_JWT_AUDIENCE: "millrace-matrix",
    }),
    credential: (principal) =>
      new SignJWT({ sub: principal.name, scope: principal.scopes.join(" "), millrace_queues: principal.patterns })
        .setProtectedHeader({ alg: "HS256" })
        .setIssuer("https://issuer.test")
        .setAudience("millrace-matrix")
        .setIssuedAt()
        .setExpirationTime("10m")
        .sign(new TextEncoder().encode(JWT_SECRET)),
  },
];

for (const mode of MODES) {
  describe(`authorisation matrix (${mode.name})`, () => {
    const dir = mkdtempSync(join(tmpdir(), "millrace-matrix-"));
    let running: RunningApp;
    let operator: string;
    let messageId: string;
    const credentials = new Map<string, string>();

    const send = async (method: string, path: string, credential: string | null, body = "{}") => {
      const response = await rawRequest(running.url, {
        method,
        target: path,
        headers: [
          ["content-type", "application/json"],
          ...(credential === null ? [] : [["authorization", `Bearer ${credential}`] as const]),
        ],
        ...(method === "GET" || method === "DELETE" ? {} : { body }),
      });
      return { status: response.status, body: response.body.toString("utf8") };
    };

    /** Recreates what the routes name, so that every case meets the same state. */
    async function seed(): Promise<void> {
      for (const [method, path, body] of [
        ["PUT", `/v1/queues/${QUEUE}`, "{}"],
        ["PUT", `/v1/topics/${TOPIC}`, ""],
        ["PUT", `/v1/topics/${TOPIC}/subscriptions/${SUBSCRIPTION}`, JSON.stringify({ queue: QUEUE })],
      ] as const) {
        const response = await send(method, path, operator, body);
        expect([200, 201]).toContain(response.status);
      }
    }

    beforeAll(async () => {
      running = await startApp(await mode.env(dir));
      operator =
        mode.name === "api-key"
          ? operatorKey.key
          : await mode.credential({ name: "operator", scopes: ["admin", "publish", "consume"], patterns: ["*"] });
      for (const principal of PRINCIPALS) credentials.set(principal.name, await mode.credential(principal));
      await seed();
      const published = await send("POST", `/v1/queues/${QUEUE}/messages`, operator, JSON.stringify({ body: 1 }));
      messageId = (JSON.parse(published.body) as { id: string }).id;
    });
    afterAll(async () => {
      await running.stop();
      rmSync(dir, { recursive: true, force: true });
    });

    test("the route table is non-trivial and every protected route names its resource parameter", () => {
      expect(ROUTES.filter((route) => route.path.startsWith("/v1/")).length).toBeGreaterThanOrEqual(20);
      for (const route of ROUTES) {
        if ("public" in route.access || route.access.resource === undefined) continue;
        expect(route.path).toContain(`:${route.access.resource}`);
      }
    });

    for (const route of ROUTES) {
      test(`${route.method} ${route.path}: declared rule decides for every principal and spelling`, async () => {
        await seed();
        const { path, params } = concrete(route, messageId);
        const kinds: Array<PrincipalKind | null> = [null, ...PRINCIPALS];
        const failures: string[] = [];
        for (const principal of kinds) {
          const credential = principal === null ? null : credentials.get(principal.name)!;
          const who = principal?.name ?? "no credentials";
          const expected = expectedDecision(route, principal, params);
          // Refused requests first: they must change nothing, so the seeded state still holds after them.
          for (const [spelling, variant] of [
            ["canonical", path] as [string, string],
            ...sameRouteSpellings(path, params),
          ]) {
            const response = await send(route.method, variant, credential);
            if (response.status >= 500)
              failures.push(`${who}, ${spelling} ${variant}: ${response.status} ${response.body}`);
            const got = decisionOf(response);
            if (got !== expected)
              failures.push(
                `${who}, ${spelling} ${variant}: expected ${expected}, got ${response.status} ${response.body}`,
              );
            if (expected !== "passed" && response.status < 300)
              failures.push(`${who}, ${spelling}: a refused request succeeded`);
          }
          for (const [spelling, variant] of unroutedSpellings(path)) {
            const response = await send(route.method, variant, credential);
            const got = decisionOf(response);
            const ok = response.status === 404 || (got === expected && response.status < 500);
            if (!ok)
              failures.push(
                `${who}, ${spelling} ${variant}: expected 404 or ${expected}, got ${response.status} ${response.body}`,
              );
            if (expected !== "passed" && response.status < 300)
              failures.push(`${who}, ${spelling} ${variant}: a refused principal got ${response.status}`);
          }
          // An allowed call may have deleted or purged what the next principal needs.
          if (expected === "passed") await seed();
        }
        expect(failures).toEqual([]);
      });
    }

    test("a path that matches no route is 404 before authentication", async () => {
      for (const path of [
        "/v1/nothing",
        "/v1/queues/orders-1/frobnicate",
        "/v1/queues/orders-1/messages/x/y",
        "/admin",
      ]) {
        const response = await send("POST", path, null);
        expect(response.status).toBe(404);
        expect((JSON.parse(response.body) as { error: { code: string } }).error.code).toBe("not_found");
      }
    });
  });
}
