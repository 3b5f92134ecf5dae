import { afterAll, beforeAll, expect, test } from "bun:test";
import { client, startApp, type RunningApp } from "../helpers/start-app.ts";

// Bun closes connections that stay silent past idleTimeout; a long-poll is silent while it waits.
// With the idle timeout set to its 5 s minimum, an 8 s long-poll must still get its answer.

let server: RunningApp;

beforeAll(async () => {
  server = await startApp({ MILLRACE_IDLE_TIMEOUT_SECONDS: "5" });
});
afterAll(async () => server.stop());

test("a long-poll longer than the idle timeout is not cut off", async () => {
  const call = client(server.url);
  await call("PUT", "/v1/queues/slow", {});
  const late = (async () => {
    await Bun.sleep(7000);
    await call("POST", "/v1/queues/slow/messages", { body: "late" });
  })();
  const response = await call("POST", "/v1/queues/slow/receive", { waitSeconds: 20 });
  await late;
  expect(response.status).toBe(200);
  expect(response.body.messages.map((m: { body: string }) => m.body)).toEqual(["late"]);
}, 30_000);

test("a second server on a port in use fails to start instead of sharing it", async () => {
  const port = new URL(server.url).port;
  const failure = await startApp({ MILLRACE_LISTEN: `127.0.0.1:${port}` }).then(
    () => null,
    (error: unknown) => error as Error,
  );
  expect(failure?.message).toMatch(/in use|EADDRINUSE/i);
});
