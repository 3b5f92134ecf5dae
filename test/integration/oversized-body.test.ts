import { afterAll, beforeAll, expect, test } from "bun:test";
import { connect } from "node:net";
import { startApp, type RunningApp } from "../helpers/start-app.ts";

// A body over MILLRACE_MAX_BODY_BYTES must reach every client as our 413 JSON, also clients that
// keep sending while the server answers (Node's fetch reported "fetch failed" when the server
// answered and closed mid-upload). Clients: Node's fetch (a real `node` process), curl, and a raw
// socket that sends everything as fast as it can.

const MAX_BODY = 1024 * 1024;
let running: RunningApp;

beforeAll(async () => {
  running = await startApp({ MILLRACE_MAX_BODY_BYTES: String(MAX_BODY) });
  const created = await fetch(`${running.url}/v1/queues/big`, {
    method: "PUT",
    headers: { "content-type": "application/json" },
    body: "{}",
  });
  expect(created.status).toBe(201);
});
afterAll(() => running.stop());

/** A publish body of about `bytes` bytes: one message whose body is a long string. */
function publishBody(bytes: number): string {
  return JSON.stringify({ body: "x".repeat(bytes) });
}

async function nodeFetch(url: string, bytes: number, attempts: number): Promise<string[]> {
  const script = `
    const body = ${JSON.stringify(publishBody(0))}.replace('""', JSON.stringify("x".repeat(${bytes})));
    (async () => {
      const outcomes = [];
      for (let i = 0; i < ${attempts}; i++) {
        try {
          const response = await fetch(${JSON.stringify(url)}, { method: "POST", body, headers: { "content-type": "application/json" } });
          const json = await response.json();
          outcomes.push(response.status + " " + (json.error && json.error.code));
        } catch (error) {
          outcomes.push("failed: " + String(error.cause || error));
        }
      }
      console.log(JSON.stringify(outcomes));
    })();
  `;
  const proc = Bun.spawn(["node", "-e", script], { stdout: "pipe", stderr: "pipe" });
  const [stdout, stderr, code] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
    proc.exited,
  ]);
  if (code !== 0) throw new Error(`node exited with ${code}: ${stderr}`);
  return JSON.parse(stdout) as string[];
}

test("Node's fetch reads the 413 JSON for a 2 MiB and an 8 MiB publish, every time", async () => {
  const url = `${running.url}/v1/queues/big/messages`;
  for (const size of [2 * 1024 * 1024, 8 * 1024 * 1024]) {
    const outcomes = await nodeFetch(url, size, 5);
    expect(outcomes).toEqual(Array.from({ length: 5 }, () => "413 body_too_large"));
  }
}, 60_000);

test("curl reads the 413 JSON for a 4 MiB publish", async () => {
  const proc = Bun.spawn(
    [
      "curl",
      "-sS",
      "-X",
      "POST",
      "-H",
      "content-type: application/json",
      "--data-binary",
      "@-",
      "-w",
      "\n%{http_code}",
      `${running.url}/v1/queues/big/messages`,
    ],
    { stdin: new Blob([publishBody(4 * 1024 * 1024)]), stdout: "pipe", stderr: "pipe" },
  );
  const [stdout, stderr] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text()]);
  expect(stderr).toBe("");
  const [json, status] = stdout.split("\n");
  expect(status).toBe("413");
  expect((JSON.parse(json!) as { error: { code: string } }).error.code).toBe("body_too_large");
});

/** Sends `head` and then `body` as fast as the socket takes it; resolves with everything read back. */
function rawExchange(head: string, body: Uint8Array[]): Promise<{ response: string; error: string | null }> {
  return new Promise((resolve) => {
    const url = new URL(running.url);
    const socket = connect(Number(url.port), url.hostname);
    let response = "";
    let error: string | null = null;
    socket.on("data", (data) => {
      response += data.toString("latin1");
      // Our 413 goes out once the body is drained: seen complete, we are done.
      if (/\r\n\r\n\{.*\}\s*$/s.test(response)) socket.end();
    });
    socket.on("error", (e) => {
      error = e.message;
    });
    socket.on("close", () => resolve({ response, error }));
    socket.on("connect", () => {
      socket.write(head);
      const writeNext = (index: number): void => {
        if (index >= body.length) return;
        if (socket.write(body[index]!)) writeNext(index + 1);
        else socket.once("drain", () => writeNext(index + 1));
      };
      writeNext(0);
    });
  });
}

test("a raw socket that keeps sending a declared 4 MiB body reads the 413 JSON", async () => {
  const chunk = new Uint8Array(64 * 1024).fill(0x78);
  const chunks = Array.from({ length: 64 }, () => chunk);
  const head = `POST /v1/queues/big/messages HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: ${64 * chunk.length}\r\n\r\n`;
  const { response, error } = await rawExchange(head, chunks);
  expect(error).toBeNull();
  expect(response.startsWith("HTTP/1.1 413")).toBe(true);
  expect(response).toContain('"code":"body_too_large"');
});

test("a raw socket sending a chunked body past the limit reads the 413 JSON", async () => {
  const piece = "x".repeat(60 * 1024);
  const frame = `${piece.length.toString(16)}\r\n${piece}\r\n`;
  const frames = Array.from({ length: 40 }, () => new TextEncoder().encode(frame));
  frames.push(new TextEncoder().encode("0\r\n\r\n"));
  const head =
    "POST /v1/queues/big/messages HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n";
  const { response, error } = await rawExchange(head, frames);
  expect(error).toBeNull();
  expect(response.startsWith("HTTP/1.1 413")).toBe(true);
  expect(response).toContain('"code":"body_too_large"');
});
