// Measures Millrace against its references in one run, on this machine, and reports ratios.
// Usage: scripts/bench [--duration SECONDS]. Needs wrk (scripts/bench installs it).
import type { Subprocess } from "bun";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const ROOT = resolve(import.meta.dir, "..");
const durationArg = process.argv.indexOf("--duration");
const DURATION_S = durationArg > 0 ? Number(process.argv[durationArg + 1]) : 10;
const CONNECTIONS = 64;
const REFERENCE_PORT = 7490;
const MILLRACE_PORT = 7491;

function log(text: string): void {
  console.error(`[bench] ${text}`);
}

/** Polls `url` until it answers `status` (any status when null); returns the milliseconds taken. */
async function waitReady(url: string, child: Subprocess, status: number | null = 200): Promise<number> {
  const started = performance.now();
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${url} exited with ${child.exitCode} before it was ready`);
    try {
      const response = await fetch(url);
      if (status === null || response.status === status) return performance.now() - started;
    } catch {
      // not yet listening
    }
    await Bun.sleep(5);
  }
}

function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const match = /VmRSS:\s+(\d+) kB/.exec(status);
  return match ? Number(match[1]) / 1024 : NaN;
}

/** CPU seconds each thread of a process has used so far, by thread name (Linux /proc). */
function threadCpuSeconds(pid: number): Map<string, number> {
  const ticksPerSecond = 100; // USER_HZ on Linux
  const totals = new Map<string, number>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const name = readFileSync(`/proc/${pid}/task/${tid}/comm`, "utf8").trim();
      const fields = readFileSync(`/proc/${pid}/task/${tid}/stat`, "utf8").split(") ")[1]!.split(" ");
      // utime and stime are fields 14 and 15 of stat, i.e. 11 and 12 after the command name.
      const seconds = (Number(fields[11]) + Number(fields[12])) / ticksPerSecond;
      totals.set(name, (totals.get(name) ?? 0) + seconds);
    } catch {
      // the thread ended between listing and reading
    }
  }
  return totals;
}

/** Runs wrk and reports, besides its result, the server's CPU microseconds per request by thread. */
async function wrkWithCpu(pid: number, url: string, script: string, seconds: number) {
  const before = threadCpuSeconds(pid);
  const result = await wrk(url, script, seconds);
  const after = threadCpuSeconds(pid);
  const cpuMicrosPerRequest: Record<string, number> = {};
  for (const [name, total] of after) {
    const used = total - (before.get(name) ?? 0);
    if (used > 0) cpuMicrosPerRequest[name] = Math.round((used / result.requests) * 1e7) / 10;
  }
  return { ...result, cpuMicrosPerRequest };
}

/** Samples a process's RSS every 200 ms while `work` runs; returns the peak. */
async function peakRss<T>(pid: number, work: () => Promise<T>): Promise<{ result: T; peakMb: number }> {
  let peakMb = rssMb(pid);
  const timer = setInterval(() => (peakMb = Math.max(peakMb, rssMb(pid))), 200);
  try {
    return { result: await work(), peakMb };
  } finally {
    clearInterval(timer);
  }
}

interface WrkResult {
  requests: number;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  non2xx: number;
}

async function wrk(url: string, script: string, seconds: number): Promise<WrkResult> {
  const child = Bun.spawn(
    ["wrk", "-t1", `-c${CONNECTIONS}`, `-d${seconds}s`, "--latency", "-s", join(ROOT, "bench/wrk", script), url],
    { stdout: "pipe", stderr: "inherit" },
  );
  const output = await new Response(child.stdout).text();
  if ((await child.exited) !== 0) throw new Error(`wrk failed:\n${output}`);
  const number = (pattern: RegExp) => Number(pattern.exec(output)?.[1] ?? NaN);
  const latency = (label: string) => {
    const match = new RegExp(`${label}%\\s+([\\d.]+)(us|ms|s)`).exec(output);
    if (!match) return NaN;
    const value = Number(match[1]);
    return match[2] === "us" ? value / 1000 : match[2] === "s" ? value * 1000 : value;
  };
  return {
    requests: number(/(\d+) requests in/),
    requestsPerSecond: number(/Requests\/sec:\s+([\d.]+)/),
    p50Ms: latency("50"),
    p99Ms: latency("99"),
    non2xx: number(/NON201 (\d+)/),
  };
}

async function measureReference() {
  log(`reference: bare Elysia POST on :${REFERENCE_PORT}`);
  const child = Bun.spawn([process.execPath, "bench/reference-server.ts"], {
    cwd: ROOT,
    env: { ...process.env, PORT: String(REFERENCE_PORT) },
    stdout: "ignore",
    stderr: "inherit",
  });
  try {
    await waitReady(`http://127.0.0.1:${REFERENCE_PORT}/`, child, null);
    await Bun.sleep(300);
    const url = `http://127.0.0.1:${REFERENCE_PORT}/v1/queues/bench/messages`;
    await wrk(url, "publish-one.lua", 2); // warm-up
    return await wrkWithCpu(child.pid, url, "publish-one.lua", DURATION_S);
  } finally {
    child.kill();
    await child.exited;
  }
}

async function main(): Promise<void> {
  const reference = await measureReference();
  log(`reference: ${reference.requestsPerSecond.toFixed(0)} req/s`);

  const dataDir = mkdtempSync(join(tmpdir(), "millrace-bench-"));
  const base = `http://127.0.0.1:${MILLRACE_PORT}`;
  log(`millrace: starting from source on :${MILLRACE_PORT}, data in ${dataDir}`);
  const server = Bun.spawn([process.execPath, "src/main.ts", "serve"], {
    cwd: ROOT,
    env: {
      ...process.env,
      MILLRACE_LISTEN: `127.0.0.1:${MILLRACE_PORT}`,
      MILLRACE_DATA_DIR: dataDir,
      MILLRACE_LOG_LEVEL: "warn",
    },
    stdout: "inherit",
    stderr: "inherit",
  });
  try {
    const startupMs = await waitReady(`${base}/health/ready`, server);
    await Bun.sleep(500);
    const idleRssMb = rssMb(server.pid);
    await fetch(`${base}/v1/queues/bench`, { method: "PUT", body: "{}" });
    await fetch(`${base}/v1/queues/batch`, { method: "PUT", body: "{}" });

    log("millrace: single-message publish");
    await wrk(`${base}/v1/queues/bench/messages`, "publish-one.lua", 2);
    const single = await peakRss(server.pid, () =>
      wrkWithCpu(server.pid, `${base}/v1/queues/bench/messages`, "publish-one.lua", DURATION_S),
    );
    log(`millrace: ${single.result.requestsPerSecond.toFixed(0)} publishes/s`);

    log("millrace: batch publish, 100 messages per request");
    const batch = await peakRss(server.pid, () =>
      wrk(`${base}/v1/queues/batch/messages`, "publish-batch.lua", DURATION_S),
    );
    const batchMessagesPerSecond = batch.result.requestsPerSecond * 100;
    log(`millrace: ${batchMessagesPerSecond.toFixed(0)} messages/s in batches`);

    log("millrace: receive + ack, 100 per call, 8 consumers");
    const consumer = await peakRss(server.pid, async () => {
      const child = Bun.spawn([process.execPath, "bench/receive-ack.ts"], {
        cwd: ROOT,
        env: { ...process.env, URL: base, QUEUE: "batch", DURATION_S: String(DURATION_S) },
        stdout: "pipe",
        stderr: "inherit",
      });
      const output = await new Response(child.stdout).text();
      if ((await child.exited) !== 0) throw new Error(`receive-ack failed: ${output}`);
      return JSON.parse(output) as { acked: number; lost: number; perSecond: number };
    });
    log(`millrace: ${consumer.result.perSecond.toFixed(0)} messages/s received and acked`);

    const results = {
      date: new Date().toISOString(),
      machine: { cpus: navigator.hardwareConcurrency, bun: Bun.version },
      durationSeconds: DURATION_S,
      connections: CONNECTIONS,
      reference: {
        elysiaBarePostPerSecond: reference.requestsPerSecond,
        p99Ms: reference.p99Ms,
        cpuMicrosPerRequest: reference.cpuMicrosPerRequest,
      },
      publishSingle: { ...single.result, ratioToElysia: single.result.requestsPerSecond / reference.requestsPerSecond },
      publishBatch100: { messagesPerSecond: batchMessagesPerSecond, ...batch.result },
      receiveAck: consumer.result,
      memory: {
        idleRssMb,
        peakRssMb: Math.max(single.peakMb, batch.peakMb, consumer.peakMb),
      },
      startupToReadyMs: startupMs,
    };
    mkdirSync(join(ROOT, "bench/results"), { recursive: true });
    const file = join(ROOT, "bench/results", `${results.date.slice(0, 19).replace(/[:T]/g, "-")}.json`);
    writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);

    const rows = [
      [
        "publish, 1 msg/request, 64 conns",
        `${single.result.requestsPerSecond.toFixed(0)} msg/s`,
        `${results.publishSingle.ratioToElysia.toFixed(2)}x Elysia bare POST (${reference.requestsPerSecond.toFixed(0)} req/s)`,
        "target >= 0.7x",
      ],
      ["publish, 100 msg/request", `${batchMessagesPerSecond.toFixed(0)} msg/s`, "", "target >= 300k"],
      ["receive + ack, batches of 100", `${consumer.result.perSecond.toFixed(0)} msg/s`, "", "target >= 100k"],
      [
        "p99 publish latency under load",
        `${single.result.p99Ms.toFixed(2)} ms`,
        `Elysia ${reference.p99Ms.toFixed(2)} ms`,
        "",
      ],
      [
        "server CPU per publish, by thread",
        formatCpu(single.result.cpuMicrosPerRequest),
        `Elysia: ${formatCpu(reference.cpuMicrosPerRequest)}`,
        "",
      ],
      [
        "RSS idle / peak",
        `${idleRssMb.toFixed(0)} MB / ${results.memory.peakRssMb.toFixed(0)} MB`,
        "",
        "targets < 100 / < 250",
      ],
      ["exec to /health/ready", `${startupMs.toFixed(0)} ms`, "(from source, includes bun transpile)", "target < 300"],
    ];
    console.log("\n| measure | Millrace | reference | target |\n|---|---|---|---|");
    for (const row of rows) console.log(`| ${row.join(" | ")} |`);
    console.log(
      `\nnon-2xx responses: publish ${single.result.non2xx}, batch ${batch.result.non2xx}, ack lost ${consumer.result.lost}`,
    );
    console.log(`results written to ${file}`);
  } finally {
    server.kill();
    await server.exited;
    rmSync(dataDir, { recursive: true, force: true });
  }
}

function formatCpu(byThread: Record<string, number>): string {
  return Object.entries(byThread)
    .filter(([, micros]) => micros >= 1)
    .map(([name, micros]) => `${name} ${micros} us`)
    .join(", ");
}

await main();
