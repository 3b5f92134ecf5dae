import { afterAll, beforeAll, expect, test } from "bun:test";
import { startApp, type RunningApp } from "../helpers/start-app.ts";

let server: RunningApp;

beforeAll(async () => {
  server = await startApp({ MILLRACE_DOCS: "true" });
});
afterAll(async () => server.stop());

test("MILLRACE_DOCS=true serves the docs UI pointing at /openapi.json", async () => {
  const response = await fetch(`${server.url}/docs`);
  expect(response.status).toBe(200);
  expect(response.headers.get("content-type")).toContain("text/html");
  // Relative to /docs, so it resolves to /openapi.json behind any path prefix.
  expect(await response.text()).toContain(`data-url="openapi.json"`);
});
