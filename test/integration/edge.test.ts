import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { errorCode, parsedLogs, startApp, type RunningApp } from "../helpers/start-app.ts";

// What every response goes through: security headers, request ids, CORS, body and header
// limits, and the per-client rate limit, against the real server.

describe("headers, CORS and limits", () => {
  let running: RunningApp;
  beforeAll(async () => {
    running = await startApp({
      MILLRACE_CORS_ORIGINS: "https://app.example.com",
      MILLRACE_MAX_BODY_BYTES: "2048",
      MILLRACE_MAX_HEADER_BYTES: "2048",
    });
    await fetch(`${running.url}/v1/queues/edge`, { method: "PUT", body: "{}" });
  });
  afterAll(() => running.stop());

  function expectSecurityHeaders(response: Response) {
    expect(response.headers.get("content-security-policy")).toContain("default-src 'none'");
    expect(response.headers.get("content-security-policy")).toContain("frame-ancestors 'none'");
    expect(response.headers.get("x-content-type-options")).toBe("nosniff");
    expect(response.headers.get("referrer-policy")).toBe("no-referrer");
  }

  test("every response carries the security headers: success, 400, 404, 413, 431", async () => {
    const responses = [
      await fetch(`${running.url}/health/live`),
      await fetch(`${running.url}/v1/queues/edge/messages`, { method: "POST", body: "{nope" }),
      await fetch(`${running.url}/nowhere`),
      await fetch(`${running.url}/v1/queues/edge/messages`, {
        method: "POST",
        body: JSON.stringify({ body: "x".repeat(3000) }),
      }),
      await fetch(`${running.url}/health/live`, { headers: { "x-padding": "y".repeat(3000) } }),
    ];
    expect(responses.map((r) => r.status)).toEqual([200, 400, 404, 413, 431]);
    for (const response of responses) expectSecurityHeaders(response);
    const tooBig = (await responses[4]!.json()) as { error: { code: string; message: string } };
    expect(tooBig.error.code).toBe("headers_too_large");
    expect(tooBig.error.message).toContain("MILLRACE_MAX_HEADER_BYTES");
    expect(await errorCode(responses[3]!)).toBe("body_too_large");
  });

  test("an incoming X-Request-Id is reused, echoed and logged; otherwise one is made", async () => {
    const response = await fetch(`${running.url}/v1/queues/edge`, { headers: { "x-request-id": "req-abc.123" } });
    expect(response.headers.get("x-request-id")).toBe("req-abc.123");
    const line = parsedLogs(running).find((l) => l.request_id === "req-abc.123");
    expect(line).toMatchObject({
      level: "info",
      msg: "request",
      method: "GET",
      route: "/v1/queues/:queue",
      status: 200,
    });
    expect(typeof line?.duration_ms).toBe("number");
    expect(typeof line?.ts).toBe("string");
    const fresh = await fetch(`${running.url}/health/live`);
    expect(fresh.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
    const injected = await fetch(`${running.url}/health/live`, { headers: { "x-request-id": 'bad"id\\' } });
    expect(injected.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
  });

  test("a preflight from an allowed origin is answered 204 with the allowed methods and headers", async () => {
    const response = await fetch(`${running.url}/v1/queues/edge/messages`, {
      method: "OPTIONS",
      headers: {
        origin: "https://app.example.com",
        "access-control-request-method": "POST",
        "access-control-request-headers": "content-type, authorization",
      },
    });
    expect(response.status).toBe(204);
    expect(response.headers.get("access-control-allow-origin")).toBe("https://app.example.com");
    expect(response.headers.get("access-control-allow-methods")).toContain("POST");
    expect(response.headers.get("access-control-allow-headers")).toContain("authorization");
    expect(response.headers.get("vary")).toContain("Origin");
  });

  test("a preflight from another origin, or asking for other headers, is refused with JSON", async () => {
    const other = await fetch(`${running.url}/v1/queues/edge/messages`, {
      method: "OPTIONS",
      headers: { origin: "https://evil.example.com", "access-control-request-method": "POST" },
    });
    expect(other.status).toBe(403);
    expect(other.headers.get("access-control-allow-origin")).toBeNull();
    expect(await errorCode(other)).toBe("cors_origin_not_allowed");
    const headers = await fetch(`${running.url}/v1/queues/edge/messages`, {
      method: "OPTIONS",
      headers: {
        origin: "https://app.example.com",
        "access-control-request-method": "POST",
        "access-control-request-headers": "x-custom",
      },
    });
    expect(headers.status).toBe(403);
    expect(await errorCode(headers)).toBe("cors_header_not_allowed");
  });

  test("actual responses name the allowed origin only", async () => {
    const allowed = await fetch(`${running.url}/v1/queues/edge`, { headers: { origin: "https://app.example.com" } });
    expect(allowed.headers.get("access-control-allow-origin")).toBe("https://app.example.com");
    expect(allowed.headers.get("access-control-expose-headers")).toContain("Retry-After");
    const denied = await fetch(`${running.url}/v1/queues/edge`, { headers: { origin: "https://evil.example.com" } });
    expect(denied.headers.get("access-control-allow-origin")).toBeNull();
  });
});

describe("rate limits", () => {
  let running: RunningApp;
  beforeAll(async () => {
    // A slow refill, so the bucket cannot refill between the requests of a test.
    running = await startApp({
      MILLRACE_RATE_LIMIT_PER_SECOND: "0.01",
      MILLRACE_RATE_LIMIT_BURST: "3",
      MILLRACE_TRUSTED_PROXIES: "127.0.0.1/32",
    });
  });
  afterAll(() => running.stop());

  const get = (forwardedFor?: string) =>
    fetch(`${running.url}/v1/queues`, { headers: forwardedFor ? { "x-forwarded-for": forwardedFor } : {} });

  test("over the burst answers 429 with Retry-After and RateLimit-* headers", async () => {
    const statuses: number[] = [];
    let last: Response | null = null;
    for (let i = 0; i < 4; i++) {
      last = await get("203.0.113.7");
      statuses.push(last.status);
      expect(last.headers.get("ratelimit-limit")).toBe("3");
    }
    expect(statuses).toEqual([200, 200, 200, 429]);
    expect(Number(last!.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect(last!.headers.get("ratelimit-remaining")).toBe("0");
    expect(Number(last!.headers.get("ratelimit-reset"))).toBeGreaterThan(0);
    expect(await errorCode(last!)).toBe("rate_limited");
  });

  test("X-Forwarded-For from a trusted proxy separates clients; health is never limited", async () => {
    expect((await get("198.51.100.1")).status).toBe(200);
    // The right-most untrusted hop is the client; what it claims further left does not count.
    expect((await get("203.0.113.7, 198.51.100.2")).status).toBe(200);
    for (let i = 0; i < 10; i++) expect((await fetch(`${running.url}/health/live`)).status).toBe(200);
  });
});

describe("X-Forwarded-For from an untrusted peer", () => {
  test("is ignored: every client behind it shares the peer's bucket", async () => {
    const running = await startApp({ MILLRACE_RATE_LIMIT_PER_SECOND: "0.01", MILLRACE_RATE_LIMIT_BURST: "2" });
    try {
      const statuses = [];
      for (const ip of ["192.0.2.1", "192.0.2.2", "192.0.2.3"]) {
        statuses.push((await fetch(`${running.url}/v1/queues`, { headers: { "x-forwarded-for": ip } })).status);
      }
      expect(statuses).toEqual([200, 200, 429]);
    } finally {
      await running.stop();
    }
  });
});

describe("the docs UI", () => {
  test("/docs gets its own CSP, still unframeable; the API keeps default-src 'none'", async () => {
    const running = await startApp({ MILLRACE_DOCS: "true" });
    try {
      const docs = await fetch(`${running.url}/docs`);
      expect(docs.status).toBe(200);
      const csp = docs.headers.get("content-security-policy") ?? "";
      expect(csp).toContain("script-src 'self';");
      expect(csp).not.toMatch(/https?:/);
      expect(csp).toContain("frame-ancestors 'none'");
      expect(docs.headers.get("x-content-type-options")).toBe("nosniff");
      const api = await fetch(`${running.url}/openapi.json`);
      expect(api.headers.get("content-security-policy")).toStartWith("default-src 'none'");
    } finally {
      await running.stop();
    }
  });
});
