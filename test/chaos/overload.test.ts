import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort, startServer, type ServerProcess } from "../helpers/spawn-serve.ts";
import { createTestDatabase } from "../helpers/test-store.ts";

// Overload: far more concurrent publishes than the SQLite writer or a 4-connection PostgreSQL
// pool absorbs. With MILLRACE_MAX_PENDING_WRITES the server refuses the excess with 503
// `overloaded` and Retry-After instead of queueing it: the pending-operations gauge, sampled
// throughout, stays at the limit (plus the few receives and acks, which are never refused), the
// process stays up, every 201 is durable, and consumers clear the backlog afterwards.

const LIMIT = 32;
const PUBLISHERS = 256;
const BATCH = 20;
/** Receives and acks in flight at once (never refused), plus the background services' calls. */
const UNREFUSED_SLACK = 16;
const PAD = "x".repeat(512);

async function gauge(metricsUrl: string, name: string): Promise<number> {
  const text = await fetch(`${metricsUrl}/metrics`).then((r) => r.text());
  const line = text.split("\n").find((l) => l.startsWith(`${name} `));
  return line ? Number(line.split(" ")[1]) : Number.NaN;
}

/** Peak resident set size of a process, from the kernel (kB). */
function peakRssKb(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, "utf8")
    .split("\n")
    .find((l) => l.startsWith("VmHWM:"));
  return Number(line?.replace(/\D+/g, "") ?? Number.NaN);
}

const cleanups: Array<() => Promise<unknown>> = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
});

describe.each(["sqlite", "postgres"] as const)("overload on %s", (driver) => {
  test("the excess is refused with 503 and Retry-After; the pending queue stays at its limit; nothing is lost", async () => {
    const dir = mkdtempSync(join(tmpdir(), "millrace-overload-"));
    cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));
    const env: Record<string, string> = {
      MILLRACE_DATA_DIR: dir,
      MILLRACE_MAX_PENDING_WRITES: String(LIMIT),
      MILLRACE_METRICS_LISTEN: `127.0.0.1:${freePort()}`,
      MILLRACE_ACCESS_LOG: "false",
      MILLRACE_SHUTDOWN_DELAY_SECONDS: "0",
    };
    if (driver === "postgres") {
      const database = await createTestDatabase();
      cleanups.push(database.drop);
      env.MILLRACE_DATABASE_URL = database.url;
      env.MILLRACE_DATABASE_POOL_SIZE = "4";
    }
    const server: ServerProcess = await startServer(env);
    cleanups.push(() => server.stop());
    const metricsUrl = `http://${env.MILLRACE_METRICS_LISTEN}`;
    const api = (path: string, body: unknown) =>
      fetch(`${server.url}${path}`, {
        method: path.endsWith("/flood") ? "PUT" : "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
      });
    expect((await api("/v1/queues/flood", {})).status).toBe(201);
    const baselineRss = peakRssKb(server.proc.pid);

    const accepted = new Set<string>();
    const refusals: Array<{ status: number; retryAfter: string | null; code: string }> = [];
    const other: string[] = [];
    let flooding = true;
    let sent = 0;
    const publisher = async (worker: number) => {
      // Until enough refusals were seen; a bound on requests so a server that never refuses fails the test.
      while (flooding && sent < 40_000) {
        sent += 1;
        const messages = Array.from({ length: BATCH }, (_, i) => ({ body: { worker, i, pad: PAD } }));
        const response = await api("/v1/queues/flood/messages", { messages });
        const body = (await response.json()) as { messages?: Array<{ id: string }>; error?: { code: string } };
        if (response.status === 201) for (const m of body.messages!) accepted.add(m.id);
        else if (response.status === 503 || response.status === 429)
          refusals.push({
            status: response.status,
            retryAfter: response.headers.get("retry-after"),
            code: body.error!.code,
          });
        else other.push(`${response.status} ${JSON.stringify(body)}`);
        if (refusals.length >= 500 && accepted.size >= 5000) flooding = false;
      }
    };
    let peakPending = 0;
    let samples = 0;
    const sampler = async () => {
      while (flooding) {
        peakPending = Math.max(peakPending, await gauge(metricsUrl, "millrace_store_pending_operations"));
        samples += 1;
        await Bun.sleep(20);
      }
    };
    await Promise.all([sampler(), ...Array.from({ length: PUBLISHERS }, (_, i) => publisher(i))]);
    flooding = false;
    const floodRss = peakRssKb(server.proc.pid);

    expect(other).toEqual([]);
    expect(refusals.length).toBeGreaterThanOrEqual(500);
    expect(new Set(refusals.map((r) => `${r.status} ${r.code} ${r.retryAfter}`))).toEqual(
      new Set(["503 overloaded 1"]),
    );
    expect(samples).toBeGreaterThan(0);
    expect(peakPending).toBeLessThanOrEqual(LIMIT + UNREFUSED_SLACK);
    expect(server.proc.exitCode).toBeNull();
    expect((await fetch(`${server.url}/health/ready`)).status).toBe(200);

    // Consumers clear the backlog: every accepted message arrives, and the queue ends empty.
    const received = new Set<string>();
    const consumer = async () => {
      for (;;) {
        const response = await api("/v1/queues/flood/receive", { max: 100 });
        const { messages } = (await response.json()) as { messages: Array<{ id: string; receipt: string }> };
        if (messages.length === 0) return;
        for (const m of messages) received.add(m.id);
        const ack = await api("/v1/queues/flood/ack", { receipts: messages.map((m) => m.receipt) });
        expect(ack.status).toBe(200);
      }
    };
    await Promise.all(Array.from({ length: 4 }, consumer));
    const missing = [...accepted].filter((id) => !received.has(id));
    expect(missing).toEqual([]);
    const stats = (await (await fetch(`${server.url}/v1/queues/flood`)).json()) as {
      stats: { ready: number; leased: number };
    };
    expect(stats.stats.ready + stats.stats.leased).toBe(0);
    console.log(
      `overload on ${driver}: ${sent} publish requests of ${BATCH} from ${PUBLISHERS} clients, ${accepted.size} messages ` +
        `accepted, ${refusals.length} refused (503 overloaded, Retry-After 1); pending operations peaked at ` +
        `${peakPending} (limit ${LIMIT}); peak RSS ${Math.round(baselineRss / 1024)} MiB before, ` +
        `${Math.round(floodRss / 1024)} MiB after the flood; backlog of ${received.size} cleared`,
    );
  }, 180_000);
});
