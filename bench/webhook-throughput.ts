// Webhook delivery throughput: msg/s from a queue to one local endpoint that always answers 200,
// with delivery.maxConcurrency 64, on SQLite and on PostgreSQL; beside it, the delivery ceiling
// (a plain fetch client POSTing the same body to the same receiver, 64 at a time; DESIGN §9).
//   node_modules/.bin/bun bench/webhook-throughput.ts        (MESSAGES=20000 DRIVERS=sqlite,postgres)
// The receiver runs in its own process so that it does not share the app's event loop.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { App } from "../src/app.ts";
import { loadConfig } from "../src/config/load.ts";
import { createLogger } from "../src/observability/logger.ts";
import { createTestDatabase } from "../test/helpers/test-store.ts";

const MESSAGES = Number(process.env.MESSAGES ?? 20_000);
const CONCURRENCY = 64;
const DRIVERS = (process.env.DRIVERS ?? "sqlite,postgres").split(",");
const BODY = { order: 12345, customer: "c-789", items: [{ sku: "A-1", qty: 2 }], note: "x".repeat(100) };

const receiver = Bun.spawn(
  [
    process.execPath,
    "-e",
    `const s = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: async (r) => { await r.arrayBuffer(); return new Response("ok"); } }); console.log(s.port);`,
  ],
  { stdout: "pipe" },
);
const port = await firstLine(receiver.stdout);
async function firstLine(stream: ReadableStream<Uint8Array>): Promise<number> {
  const reader = stream.getReader();
  let text = "";
  while (!text.includes("\n")) {
    const { done, value } = await reader.read();
    if (done) throw new Error("the receiver exited before printing its port");
    text += new TextDecoder().decode(value);
  }
  reader.releaseLock();
  return Number(text.trim());
}
const target = `http://127.0.0.1:${port}/hook`;

async function ceiling(): Promise<number> {
  const body = JSON.stringify({
    id: "0",
    queue: "bench",
    attempt: 1,
    enqueuedAt: new Date().toISOString(),
    headers: {},
    body: BODY,
  });
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next++ < MESSAGES) {
        const response = await fetch(target, { method: "POST", headers: { "content-type": "application/json" }, body });
        await response.arrayBuffer();
      }
    }),
  );
  return MESSAGES / ((performance.now() - started) / 1000);
}

async function delivery(driver: string): Promise<number> {
  const dataDir = mkdtempSync(join(tmpdir(), "millrace-bench-webhook-"));
  const database = driver === "postgres" ? await createTestDatabase() : null;
  const config = loadConfig({
    env: {
      MILLRACE_DATA_DIR: dataDir,
      MILLRACE_LISTEN: "127.0.0.1:0",
      MILLRACE_MODE: "all",
      MILLRACE_LOG_LEVEL: "warn",
      MILLRACE_ACCESS_LOG: "false",
      MILLRACE_WEBHOOK_ALLOW_CIDRS: "127.0.0.0/8",
      MILLRACE_WEBHOOK_CONCURRENCY: String(CONCURRENCY),
      ...(database ? { MILLRACE_DATABASE_URL: database.url, MILLRACE_DATABASE_POOL_SIZE: "16" } : {}),
    },
    flags: {},
  });
  const app = new App(
    config,
    createLogger(config.logLevel, () => undefined),
  );
  await app.start();
  try {
    const api = (method: string, path: string, body: unknown) =>
      fetch(`${app.url}${path}`, {
        method,
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
      });
    await api("PUT", "/v1/queues/bench", {});
    for (let sent = 0; sent < MESSAGES; sent += 1000) {
      const count = Math.min(1000, MESSAGES - sent);
      const response = await api("POST", "/v1/queues/bench/messages", {
        messages: Array.from({ length: count }, () => ({ body: BODY })),
      });
      if (response.status !== 201) throw new Error(`publish answered ${response.status}`);
    }
    // Delivery starts when the queue gets its delivery settings: the backlog is all there.
    const started = performance.now();
    await api("PUT", "/v1/queues/bench", {
      delivery: { url: target, secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", maxConcurrency: CONCURRENCY },
    });
    for (;;) {
      const stats = (
        (await (await fetch(`${app.url}/v1/queues/bench`)).json()) as {
          stats: { ready: number; leased: number; delayed: number };
        }
      ).stats;
      if (stats.ready + stats.leased + stats.delayed === 0) break;
      await Bun.sleep(20);
    }
    return MESSAGES / ((performance.now() - started) / 1000);
  } finally {
    await app.stop();
    await database?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

const results: Record<string, number> = { ceiling: await ceiling() };
for (const driver of DRIVERS) results[driver] = await delivery(driver);
receiver.kill();
const round = (n: number) => Math.round(n);
console.log(
  JSON.stringify({
    messages: MESSAGES,
    concurrency: CONCURRENCY,
    ceilingPerSecond: round(results.ceiling!),
    ...Object.fromEntries(
      DRIVERS.map((driver) => [
        driver,
        { perSecond: round(results[driver]!), ofCeiling: Number((results[driver]! / results.ceiling!).toFixed(2)) },
      ]),
    ),
  }),
);
