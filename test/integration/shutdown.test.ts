import { afterEach, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  inFlight,
  rawRequest,
  refusesConnections,
  spawnServe,
  until,
  type ServeProcess,
} from "../helpers/spawn-serve.ts";

// Graceful shutdown of the real process (DESIGN §6): `bun src/main.ts serve` is signalled while
// requests are in flight. Waits are generous polls for states, never timing assertions.

const dirs: string[] = [];
const procs: ServeProcess[] = [];
afterEach(() => {
  for (const served of procs.splice(0)) if (served.proc.exitCode === null) served.proc.kill("SIGKILL");
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "millrace-shutdown-"));
  dirs.push(dir);
  return dir;
}

async function serve(dataDir: string, env: Record<string, string> = {}): Promise<ServeProcess> {
  const served = await spawnServe(dataDir, env);
  procs.push(served);
  return served;
}

async function createQueue(served: ServeProcess, name: string) {
  const response = await fetch(`${served.api}/v1/queues/${name}`, { method: "PUT", body: "{}" });
  expect(response.status).toBe(201);
}

describe("graceful shutdown", () => {
  test("SIGINT: a waiting long-poll returns empty at once, and the process exits 0", async () => {
    const served = await serve(tempDir(), { MILLRACE_SHUTDOWN_TIMEOUT_SECONDS: "50" });
    await createQueue(served, "polls");
    const poll = fetch(`${served.api}/v1/queues/polls/receive`, {
      method: "POST",
      body: JSON.stringify({ max: 1, waitSeconds: 60 }),
    });
    expect(await until(async () => (await inFlight(served)) === 1)).toBe(true);
    served.proc.kill("SIGINT");
    // Were the long-poll not released by the drain, it would be cut at the 50 s timeout
    // instead, and fetch would fail rather than answer.
    const response = await poll;
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ messages: [] });
    expect(await served.proc.exited).toBe(0);
    const output = served.output();
    expect(output).toContain("shutdown: waiting long-polls released");
    expect(output).not.toContain("requests still running at the timeout");
  }, 90_000);

  test("SIGTERM: readiness turns 503 before the listener closes, an in-flight publish completes with 201 and is durable", async () => {
    const dataDir = tempDir();
    const served = await serve(dataDir, { MILLRACE_SHUTDOWN_DELAY_SECONDS: "4" });
    await createQueue(served, "durable");
    const publish = await rawRequest(
      served.apiPort,
      "POST",
      "/v1/queues/durable/messages",
      JSON.stringify({ body: { important: true, padding: "x".repeat(200) } }),
    );
    expect(await until(async () => (await inFlight(served)) === 1)).toBe(true);

    served.proc.kill("SIGTERM");
    expect(await until(async () => (await fetch(`${served.metrics}/health/ready`)).status === 503)).toBe(true);
    // The API listener is still open during the delay, answering 503 to the load balancer's probe.
    const probe = await fetch(`${served.api}/health/ready`);
    expect(probe.status).toBe(503);
    expect(await probe.json()).toEqual({ status: "draining" });
    // Then it closes, while our half-sent publish is still being waited for.
    expect(await until(() => refusesConnections(served.apiPort))).toBe(true);
    expect(served.proc.exitCode).toBeNull();

    publish.finish();
    const reply = await publish.response();
    expect(reply).toStartWith("HTTP/1.1 201");
    const { id } = JSON.parse(reply.slice(reply.indexOf("\r\n\r\n") + 4)) as { id: string };
    expect(await served.proc.exited).toBe(0);

    const restarted = await serve(dataDir);
    const message = await fetch(`${restarted.api}/v1/queues/durable/messages/${id}`);
    expect(message.status).toBe(200);
    expect(((await message.json()) as { state: string }).state).toBe("ready");
    restarted.proc.kill("SIGTERM");
    expect(await restarted.proc.exited).toBe(0);
  }, 90_000);

  test("a second signal forces the exit while requests are still draining", async () => {
    const served = await serve(tempDir(), { MILLRACE_SHUTDOWN_TIMEOUT_SECONDS: "60" });
    await createQueue(served, "stuck");
    await rawRequest(served.apiPort, "POST", "/v1/queues/stuck/messages", JSON.stringify({ body: "never finished" }));
    expect(await until(async () => (await inFlight(served)) === 1)).toBe(true);
    served.proc.kill("SIGTERM");
    expect(await until(() => refusesConnections(served.apiPort))).toBe(true);
    // Draining now waits for the half-sent request, up to 60 s; the second signal cuts that short.
    expect(served.proc.exitCode).toBeNull();
    served.proc.kill("SIGTERM");
    expect(await served.proc.exited).toBe(1);
    expect(served.output()).toContain("second signal: exiting without finishing the drain");
  }, 90_000);
});
