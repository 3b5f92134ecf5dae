import { afterAll, beforeAll, expect, test } from "bun:test";
import { startTestServer, type TestServer } from "../helpers/server.ts";

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer({ MILLRACE_DOCS: "true" });
});
afterAll(async () => server.stop());

test("MILLRACE_DOCS=true serves the docs UI pointing at /openapi.json", async () => {
  const response = await fetch(`${server.url}/docs`);
  expect(response.status).toBe(200);
  expect(response.headers.get("content-type")).toContain("text/html");
  // Relative to /docs, so it resolves to /openapi.json behind any path prefix.
  expect(await response.text()).toContain(`data-url="openapi.json"`);
});
