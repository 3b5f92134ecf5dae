import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { inFlight, spawnServe, until, type ServeProcess } from "../helpers/spawn-serve.ts";

// A long-poll whose client went away must not take a message: the server notices the closed
// connection, stops waiting, and the next publish goes to a live consumer.

let served: ServeProcess;
let dataDir: string;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), "millrace-disconnect-"));
  served = await spawnServe(dataDir);
});
afterAll(() => {
  if (served.proc.exitCode === null) served.proc.kill("SIGKILL");
  rmSync(dataDir, { recursive: true, force: true });
});

test("a long-poll whose client disconnected stops waiting, and the next message goes to a live receive", async () => {
  expect((await fetch(`${served.api}/v1/queues/abandoned`, { method: "PUT", body: "{}" })).status).toBe(201);
  const socket = await Bun.connect({ hostname: "127.0.0.1", port: served.apiPort, socket: { data() {} } });
  // 60 s, the longest wait: without the fix the poll outlives every bounded wait below.
  const body = JSON.stringify({ waitSeconds: 60, visibilityTimeoutSeconds: 3600 });
  socket.write(
    `POST /v1/queues/abandoned/receive HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
  );
  socket.flush();
  expect(await until(async () => (await inFlight(served)) === 1)).toBe(true);

  socket.end();
  // The handler returns once the server has seen the disconnect.
  expect(await until(async () => (await inFlight(served)) === 0)).toBe(true);

  const published = await fetch(`${served.api}/v1/queues/abandoned/messages`, {
    method: "POST",
    body: JSON.stringify({ body: "for a live consumer" }),
  });
  const { id } = (await published.json()) as { id: string };
  const received = await fetch(`${served.api}/v1/queues/abandoned/receive`, { method: "POST", body: "{}" });
  const { messages } = (await received.json()) as { messages: Array<{ id: string; attempts: number }> };
  expect(messages).toEqual([expect.objectContaining({ id, attempts: 1 })]);
}, 90_000);
