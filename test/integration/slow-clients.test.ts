import { afterAll, beforeAll, expect, test } from "bun:test";
import { connect, type Socket } from "node:net";
import { startApp, type RunningApp } from "../helpers/start-app.ts";

// Slow clients must not hold connections open. Each test opens raw sockets that trickle bytes
// (far more often than any idle timeout), then waits for the server to close them, with a
// generous bound: the deadline is asserted by the close happening at all, not by its speed.
//
// Headers never reach JavaScript before they are complete, so their deadline is Bun's own: a new
// connection must complete its first request head within 10 s (Bun's fixed pre-request timer,
// swept every 4 s), and a kept-alive connection its next head within MILLRACE_IDLE_TIMEOUT_SECONDS.
// Bodies reach us as a stream, so their deadline is ours: MILLRACE_BODY_TIMEOUT_SECONDS.

const IDLE_TIMEOUT_SECONDS = 5;
const BODY_TIMEOUT_SECONDS = 2;
/** Far beyond every deadline above, so a slow shared machine cannot fail the test. */
const CLOSE_BOUND_MS = 60_000;

let running: RunningApp;

beforeAll(async () => {
  running = await startApp({
    MILLRACE_IDLE_TIMEOUT_SECONDS: String(IDLE_TIMEOUT_SECONDS),
    MILLRACE_BODY_TIMEOUT_SECONDS: String(BODY_TIMEOUT_SECONDS),
  });
  const created = await fetch(`${running.url}/v1/queues/slow`, {
    method: "PUT",
    headers: { "content-type": "application/json" },
    body: "{}",
  });
  expect(created.status).toBe(201);
});
afterAll(() => running.stop());

interface Trickler {
  /** Resolves when the server closed the socket, with what it answered; rejects past the bound. */
  closed: Promise<{ answer: string; sent: number }>;
}

/**
 * Opens a socket, writes `prefix` at once, then one byte of `trickle` every `intervalMs`
 * (restarting it if it runs out, so the client never finishes). `afterFirstResponse` delays the
 * trickle until a first answer arrived (for kept-alive connections).
 */
function trickler(options: {
  prefix: string;
  trickle: string;
  intervalMs: number;
  afterFirstResponse?: boolean;
}): Trickler {
  const url = new URL(running.url);
  const socket: Socket = connect(Number(url.port), url.hostname);
  let answer = "";
  let sent = 0;
  let timer: ReturnType<typeof setInterval> | undefined;
  const start = () => {
    timer ??= setInterval(() => {
      if (!socket.writable) return;
      socket.write(options.trickle[sent % options.trickle.length]!);
      sent += 1;
    }, options.intervalMs);
  };
  socket.on("connect", () => {
    if (options.prefix) socket.write(options.prefix);
    if (!options.afterFirstResponse) start();
  });
  socket.on("data", (data) => {
    answer += data.toString("latin1");
    if (options.afterFirstResponse) start();
  });
  socket.on("error", () => undefined);
  const closed = new Promise<{ answer: string; sent: number }>((resolve, reject) => {
    const bound = setTimeout(() => {
      clearInterval(timer);
      socket.destroy();
      reject(new Error(`the server kept a slow connection open for ${CLOSE_BOUND_MS} ms (sent ${sent} bytes)`));
    }, CLOSE_BOUND_MS);
    socket.on("close", () => {
      clearTimeout(bound);
      clearInterval(timer);
      resolve({ answer, sent });
    });
  });
  return { closed };
}

const SLOW_HEAD = `GET /health/ready HTTP/1.1\r\nHost: localhost\r\nX-Padding: ${"a".repeat(2000)}\r\n\r\n`;

test("300 connections trickling their headers are closed by the server, while a normal client is served", async () => {
  const slow = Array.from({ length: 300 }, () => trickler({ prefix: "", trickle: SLOW_HEAD, intervalMs: 250 }));
  // Served meanwhile: the trickling connections do not starve anyone.
  for (let i = 0; i < 5; i++) {
    const response = await fetch(`${running.url}/health/ready`);
    expect(response.status).toBe(200);
  }
  const results = await Promise.all(slow.map((s) => s.closed));
  // Every one was cut before its head was complete, so none got an answer.
  expect(results.filter((r) => r.answer !== "")).toEqual([]);
  expect(results.every((r) => r.sent > 0 && r.sent < SLOW_HEAD.length)).toBe(true);
  expect((await fetch(`${running.url}/health/ready`)).status).toBe(200);
}, 90_000);

test("a kept-alive connection trickling its next request's headers is closed after the idle timeout", async () => {
  const { closed } = trickler({
    prefix: "GET /health/live HTTP/1.1\r\nHost: localhost\r\n\r\n",
    trickle: SLOW_HEAD,
    intervalMs: 250,
    afterFirstResponse: true,
  });
  const { answer, sent } = await closed;
  expect(answer.startsWith("HTTP/1.1 200")).toBe(true);
  expect(answer.match(/HTTP\/1\.1/g)).toHaveLength(1);
  expect(sent).toBeLessThan(SLOW_HEAD.length);
}, 90_000);

test("connections trickling a body get 408 body_timeout and are closed, while a normal client is served", async () => {
  const head =
    "POST /v1/queues/slow/messages HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n";
  const slow = Array.from({ length: 50 }, () => trickler({ prefix: head, trickle: " ", intervalMs: 100 }));
  const served = await fetch(`${running.url}/v1/queues/slow/messages`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ body: "meanwhile" }),
  });
  expect(served.status).toBe(201);
  const results = await Promise.all(slow.map((s) => s.closed));
  for (const { answer } of results) {
    expect(answer.startsWith("HTTP/1.1 408")).toBe(true);
    expect(answer).toContain('"code":"body_timeout"');
    expect(answer.toLowerCase()).toContain("connection: close");
  }
}, 90_000);

test("a chunked body trickled in gets 408 body_timeout and is closed", async () => {
  const head =
    "POST /v1/queues/slow/messages HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n186a0\r\n";
  const slow = Array.from({ length: 10 }, () => trickler({ prefix: head, trickle: " ", intervalMs: 100 }));
  const results = await Promise.all(slow.map((s) => s.closed));
  for (const { answer } of results) {
    expect(answer.startsWith("HTTP/1.1 408")).toBe(true);
    expect(answer).toContain('"code":"body_timeout"');
  }
}, 90_000);
