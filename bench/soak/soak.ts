// scripts/soak --minutes N: one server (SQLite, mode all) under steady mixed load for N minutes —
// producers publishing singles and batches at a fixed rate, consumers long-polling and acking,
// a webhook queue delivered to a local receiver — sampling every few seconds the server's RSS,
// open file descriptors and event-loop lag (from its /metrics) and the clients' p99 latency.
// Writes bench/results/soak-<stamp>.json and .svg; prints the trend of each series per minute.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startDeliveryReceiver } from "../../test/helpers/delivery-receiver.ts";
import { freePort, ROOT, startServer } from "../../test/helpers/spawn-serve.ts";
import { renderChart, slopePerMinute } from "./chart.ts";

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

const MINUTES = arg("--minutes", 30);
const SAMPLE_SECONDS = arg("--sample-seconds", 5);
/** Publish requests per second, spread over the producers (every fourth is a batch of 10). */
const RATE = arg("--rate", 200);
const PRODUCERS = 8;
const CONSUMERS = 4;

const dir = mkdtempSync(join(tmpdir(), "millrace-soak-"));
const metricsListen = `127.0.0.1:${freePort()}`;
const receiver = startDeliveryReceiver();
const server = await startServer({
  MILLRACE_DATA_DIR: dir,
  MILLRACE_METRICS_LISTEN: metricsListen,
  MILLRACE_ACCESS_LOG: "false",
  MILLRACE_MODE: "all",
  MILLRACE_WEBHOOK_ALLOW_CIDRS: "127.0.0.0/8",
  MILLRACE_SHUTDOWN_DELAY_SECONDS: "0",
});
const json = async (method: string, path: string, body?: unknown) => {
  const response = await fetch(`${server.url}${path}`, {
    method,
    headers: { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
};
await json("PUT", "/v1/queues/soak", { visibilityTimeoutSeconds: 30 });
await json("PUT", "/v1/queues/soak-hooks", {
  delivery: { url: receiver.url, secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", timeoutSeconds: 5 },
});

const deadline = Date.now() + MINUTES * 60_000;
let latencies: number[] = [];
const totals = { published: 0, acked: 0, hooksPublished: 0, errors: 0 };
const timed = async <T>(work: () => Promise<T>): Promise<T> => {
  const started = performance.now();
  try {
    return await work();
  } finally {
    latencies.push(performance.now() - started);
  }
};

const producer = async (worker: number) => {
  const interval = (1000 * PRODUCERS) / RATE;
  for (let n = 0; Date.now() < deadline; n++) {
    const next = Date.now() + interval;
    const batch = n % 4 === 0 ? 10 : 1;
    const queue = n % 5 === 0 ? "soak-hooks" : "soak";
    const messages = Array.from({ length: batch }, (_, i) => ({ body: { worker, n, i, pad: "p".repeat(200) } }));
    const answer = await timed(() => json("POST", `/v1/queues/${queue}/messages`, { messages })).catch(() => null);
    if (answer?.status === 201) {
      if (queue === "soak") totals.published += batch;
      else totals.hooksPublished += batch;
    } else totals.errors += 1;
    await Bun.sleep(Math.max(0, next - Date.now()));
  }
};
const consumer = async () => {
  while (Date.now() < deadline) {
    const answer = await json("POST", "/v1/queues/soak/receive", { max: 50, waitSeconds: 1 }).catch(() => null);
    const messages = (answer?.body.messages ?? []) as Array<{ receipt: string }>;
    if (messages.length === 0) continue;
    const ack = await timed(() =>
      json("POST", "/v1/queues/soak/ack", { receipts: messages.map((m) => m.receipt) }),
    ).catch(() => null);
    if (ack?.status === 200) totals.acked += messages.length;
    else totals.errors += 1;
  }
};

async function serverMetrics(): Promise<Map<string, number>> {
  const text = await fetch(`http://${metricsListen}/metrics`).then((r) => r.text());
  const values = new Map<string, number>();
  for (const line of text.split("\n")) {
    const match = /^([a-z_]+) ([0-9.e+-]+)$/.exec(line);
    if (match) values.set(match[1]!, Number(match[2]));
  }
  return values;
}

const samples: Array<{ t: number; rssMiB: number; fds: number; lagMs: number; p99Ms: number; requests: number }> = [];
const started = Date.now();
const sampler = async () => {
  while (Date.now() < deadline) {
    await Bun.sleep(SAMPLE_SECONDS * 1000);
    const metrics = await serverMetrics();
    const window = latencies.sort((a, b) => a - b);
    latencies = [];
    const sample = {
      t: (Date.now() - started) / 1000,
      rssMiB: (metrics.get("process_resident_memory_bytes") ?? Number.NaN) / 2 ** 20,
      fds: metrics.get("process_open_fds") ?? Number.NaN,
      lagMs:
        (metrics.get("nodejs_eventloop_lag_p99_seconds") ?? metrics.get("nodejs_eventloop_lag_seconds") ?? 0) * 1000,
      p99Ms: window.length > 0 ? window[Math.min(window.length - 1, Math.floor(window.length * 0.99))]! : Number.NaN,
      requests: window.length,
    };
    samples.push(sample);
    console.log(
      `${sample.t.toFixed(0)}s rss ${sample.rssMiB.toFixed(1)} MiB, fds ${sample.fds}, loop lag p99 ${sample.lagMs.toFixed(1)} ms, ` +
        `request p99 ${sample.p99Ms.toFixed(1)} ms over ${sample.requests}; published ${totals.published}+${totals.hooksPublished}, acked ${totals.acked}, webhooks ${receiver.requests.length}`,
    );
  }
};

await Promise.all([
  sampler(),
  ...Array.from({ length: PRODUCERS }, (_, i) => producer(i)),
  ...Array.from({ length: CONSUMERS }, consumer),
]);
const alive = server.proc.exitCode === null;
await server.stop();
await receiver.stop();
rmSync(dir, { recursive: true, force: true });

// Trends over the second half: the first minutes include warm-up (JIT, page cache, pools).
const half = samples.slice(Math.floor(samples.length / 2));
const times = half.map((s) => s.t);
const trend = {
  rssMiBPerMinute: slopePerMinute(
    times,
    half.map((s) => s.rssMiB),
  ),
  fdsPerMinute: slopePerMinute(
    times,
    half.map((s) => s.fds),
  ),
  lagMsPerMinute: slopePerMinute(
    times,
    half.map((s) => s.lagMs),
  ),
  p99MsPerMinute: slopePerMinute(
    times,
    half.map((s) => s.p99Ms).map((v) => (Number.isFinite(v) ? v : 0)),
  ),
};
const stamp = new Date().toISOString().replace(/[:T]/g, "-").slice(0, 19);
const out = join(ROOT, "bench", "results");
mkdirSync(out, { recursive: true });
const report = {
  minutes: MINUTES,
  rate: RATE,
  totals: { ...totals, webhooks: receiver.requests.length },
  alive,
  trend,
  samples,
};
writeFileSync(join(out, `soak-${stamp}.json`), JSON.stringify(report, null, 2) + "\n");
const all = samples.map((s) => s.t);
writeFileSync(
  join(out, `soak-${stamp}.svg`),
  renderChart(`millrace soak: ${MINUTES} min, ${RATE} publish requests/s + consumers + webhooks (SQLite)`, all, [
    { title: "server RSS", unit: "MiB", values: samples.map((s) => s.rssMiB) },
    { title: "server open file descriptors", unit: "count", values: samples.map((s) => s.fds) },
    { title: "server event-loop lag p99", unit: "ms", values: samples.map((s) => s.lagMs) },
    { title: "client request p99 (publish, ack)", unit: "ms", values: samples.map((s) => s.p99Ms) },
  ]),
);
console.log(JSON.stringify({ soak: `bench/results/soak-${stamp}.svg`, alive, totals: report.totals, trend }));
if (!alive) process.exit(1);
