import { afterEach, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawnServe, type ServeProcess } from "../helpers/spawn-serve.ts";

// DESIGN §6 step 5 with the real process: leases this instance handed out are released on
// SIGTERM, so a message held at shutdown is ready after the restart, not stuck until its
// visibility timeout runs out.

const dirs: string[] = [];
const procs: ServeProcess[] = [];
afterEach(() => {
  for (const served of procs.splice(0)) if (served.proc.exitCode === null) served.proc.kill("SIGKILL");
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

async function serve(dataDir: string): Promise<ServeProcess> {
  const served = await spawnServe(dataDir);
  procs.push(served);
  return served;
}

async function json(url: string, method: string, body?: unknown): Promise<{ status: number; body: any }> {
  const response = await fetch(url, {
    method,
    headers: { "content-type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, body: await response.json() };
}

test("a message leased at SIGTERM is ready after the restart, with the attempt counted", async () => {
  const dataDir = mkdtempSync(join(tmpdir(), "millrace-lease-release-"));
  dirs.push(dataDir);
  const first = await serve(dataDir);
  expect((await json(`${first.api}/v1/queues/held`, "PUT", {})).status).toBe(201);
  const { body: published } = await json(`${first.api}/v1/queues/held/messages`, "POST", { body: "in progress" });
  const { body: received } = await json(`${first.api}/v1/queues/held/receive`, "POST", {
    visibilityTimeoutSeconds: 3600,
  });
  expect(received.messages.map((m: { id: string }) => m.id)).toEqual([published.id]);

  first.proc.kill("SIGTERM");
  expect(await first.proc.exited).toBe(0);
  const released = first
    .output()
    .split("\n")
    .filter((line) => line.includes('"shutdown: leases released"'))
    .map((line) => JSON.parse(line) as { released: number });
  expect(released).toEqual([expect.objectContaining({ released: 1 })]);

  const second = await serve(dataDir);
  const { body: state } = await json(`${second.api}/v1/queues/held/messages/${published.id}`, "GET");
  expect(state).toMatchObject({ state: "ready", attempts: 1, leaseExpiresAt: null });
  const { body: again } = await json(`${second.api}/v1/queues/held/receive`, "POST", {});
  expect(again.messages).toEqual([expect.objectContaining({ id: published.id, attempts: 2 })]);
  // The receipt from before the restart no longer settles anything.
  const { body: stale } = await json(`${second.api}/v1/queues/held/ack`, "POST", {
    receipts: [received.messages[0].receipt],
  });
  expect(stale.results[0].result).toBe("lease_lost");
  second.proc.kill("SIGTERM");
  expect(await second.proc.exited).toBe(0);
}, 90_000);
