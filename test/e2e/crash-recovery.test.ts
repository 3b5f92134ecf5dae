import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { client } from "../helpers/start-app.ts";
import { spawnServe, type ServeProcess } from "../helpers/spawn-serve.ts";

// kill -9 in the middle of concurrent publishing: every publish that got a 201 must be there
// exactly once after restart, and a lease that was never acked must come back after its timeout.

const PUBLISHERS = 16;
const KILL_AFTER_ACKNOWLEDGED = 2000;
const dataDir = mkdtempSync(join(tmpdir(), "millrace-e2e-"));
const servers: ServeProcess[] = [];

afterAll(() => {
  for (const server of servers) server.proc.kill(9);
  rmSync(dataDir, { recursive: true, force: true });
});

test("acknowledged publishes survive kill -9 exactly once; unacked leases return", async () => {
  const first = await spawnServe(dataDir);
  servers.push(first);
  const call = client(first.api);
  expect((await call("PUT", "/v1/queues/crash", { backoff: { baseMs: 100, jitter: "none" } })).status).toBe(201);
  expect((await call("PUT", "/v1/queues/leases", { backoff: { baseMs: 100, jitter: "none" } })).status).toBe(201);

  // Three messages leased for 2 s and never acked.
  await call("POST", "/v1/queues/leases/messages", { messages: [{ body: "l1" }, { body: "l2" }, { body: "l3" }] });
  const leased = (await call("POST", "/v1/queues/leases/receive", { max: 3, visibilityTimeoutSeconds: 2 })).body
    .messages;
  expect(leased).toHaveLength(3);

  const acknowledged = new Map<string, string>(); // body -> id
  let killed = false;
  let sequence = 0;
  const publisher = async (worker: number) => {
    while (!killed) {
      const body = `w${worker}-${sequence++}`;
      try {
        const response = await fetch(`${first.api}/v1/queues/crash/messages`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ body }),
        });
        if (response.status === 201) acknowledged.set(body, ((await response.json()) as { id: string }).id);
      } catch {
        return; // the server is gone
      }
      if (!killed && acknowledged.size >= KILL_AFTER_ACKNOWLEDGED) {
        killed = true;
        first.proc.kill(9);
      }
    }
  };
  await Promise.all(Array.from({ length: PUBLISHERS }, (_, i) => publisher(i)));
  await first.proc.exited;
  expect(first.proc.signalCode).toBe("SIGKILL");
  expect(acknowledged.size).toBeGreaterThanOrEqual(KILL_AFTER_ACKNOWLEDGED);

  const second = await spawnServe(dataDir);
  servers.push(second);
  const again = client(second.api);
  const seen = new Map<string, number>();
  const idsByBody = new Map<string, string>();
  for (;;) {
    const batch = (await again("POST", "/v1/queues/crash/receive", { max: 1000 })).body.messages as Array<{
      id: string;
      body: string;
    }>;
    if (batch.length === 0) break;
    for (const message of batch) {
      seen.set(message.body, (seen.get(message.body) ?? 0) + 1);
      idsByBody.set(message.body, message.id);
    }
  }
  for (const [body, id] of acknowledged) {
    expect(seen.get(body)).toBe(1);
    expect(idsByBody.get(body)).toBe(id);
  }
  // Publishes cut off by the kill may or may not have committed, but never twice.
  for (const count of seen.values()) expect(count).toBe(1);

  // The unacked leases come back once their 2 s timeout (plus 100 ms backoff) has passed.
  const returned = (await again("POST", "/v1/queues/leases/receive", { max: 3, waitSeconds: 10 })).body.messages;
  const all = [...returned];
  while (all.length < 3) {
    const more = (await again("POST", "/v1/queues/leases/receive", { max: 3, waitSeconds: 10 })).body.messages;
    if (more.length === 0) break;
    all.push(...more);
  }
  expect(all.map((m: { body: string }) => m.body).sort()).toEqual(["l1", "l2", "l3"]);
  for (const message of all) expect(message.attempts).toBe(2);
  expect(all.map((m: { id: string }) => m.id).sort()).toEqual(leased.map((m: { id: string }) => m.id).sort());
}, 120_000);
