import { afterAll, beforeAll, expect, test } from "bun:test";
import { MAX_JSON_DEPTH } from "../../src/http/json-body.ts";
import { client, startApp, type RunningApp } from "../helpers/start-app.ts";

let running: RunningApp;
let call: ReturnType<typeof client>;

beforeAll(async () => {
  running = await startApp();
  call = client(running.url);
  expect((await call("PUT", "/v1/queues/deep", {})).status).toBe(201);
});
afterAll(() => running.stop());

test("100,000 levels of [ answer 400 nesting_too_deep naming the limit, not a 500", async () => {
  for (const body of ["[".repeat(100_000), `{"body":${"[".repeat(100_000)}${"]".repeat(100_000)}}`]) {
    const response = await call("POST", "/v1/queues/deep/messages", body);
    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe("nesting_too_deep");
    expect(response.body.error.message).toContain(`${MAX_JSON_DEPTH} levels`);
  }
  expect(running.logText()).not.toContain('"status":500');
});

test("a message nested within the limit, and brackets inside strings, are published", async () => {
  let body: unknown = "leaf";
  for (let i = 0; i < 20; i++) body = [body];
  expect((await call("POST", "/v1/queues/deep/messages", { body })).status).toBe(201);
  const text = `{"body":"${"[".repeat(5000)}\\"${"{".repeat(5000)}"}`;
  expect((await call("POST", "/v1/queues/deep/messages", text)).status).toBe(201);
});
