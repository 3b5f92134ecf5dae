// What tracing costs single publish, measured side by side in one run (the machine is shared, so
// only figures taken together compare): the base branch's code (before tracing existed), this
// code with tracing off, and this code with tracing on at sampling ratio 1.0, exporting every span
// to a real OpenTelemetry Collector (scripts/otelcol; its debug exporter discards them).
// Rounds interleave the three in rotating order, each on a fresh SQLite server; figures are
// medians and ratios.
// Usage: bun bench/tracing-cost.ts [--runs N] [--duration SECONDS] [--base REF]
// (wrk must be installed: scripts/bench installs it). Prints one JSON object as its last line.
import type { Subprocess } from "bun";
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { log, ROOT, spread, waitReady, wrk } from "./lib/measure.ts";
import { freePort } from "./lib/servers.ts";

const option = (name: string, fallback: string) => {
  const at = process.argv.indexOf(name);
  return at > 0 ? process.argv[at + 1]! : fallback;
};
const RUNS = Number(option("--runs", "5"));
const SECONDS = Number(option("--duration", "5"));
// Before this change: where this branch left main, unless told otherwise.
const BASE = option(
  "--base",
  Bun.spawnSync(["git", "merge-base", "HEAD", "main"], { cwd: ROOT }).stdout.toString().trim() || "main",
);

/** The base ref's source tree, sharing this checkout's node_modules (a superset of its dependencies). */
function exportBase(): { dir: string; commit: string } {
  const dir = mkdtempSync(join(tmpdir(), "millrace-bench-base-"));
  const commit = Bun.spawnSync(["git", "rev-parse", "--short", BASE], { cwd: ROOT }).stdout.toString().trim();
  const archive = Bun.spawnSync(["sh", "-c", `git archive ${commit} | tar -x -C ${dir}`], { cwd: ROOT });
  if (archive.exitCode !== 0 || commit === "") throw new Error(`cannot export ${BASE}: ${archive.stderr.toString()}`);
  symlinkSync(join(ROOT, "node_modules"), join(dir, "node_modules"));
  return { dir, commit };
}

async function startCollector(): Promise<{ endpoint: string; stop(): Promise<void> }> {
  const built = Bun.spawnSync([join(ROOT, "scripts/otelcol")], { stderr: "inherit" });
  if (built.exitCode !== 0) throw new Error("scripts/otelcol could not build the collector");
  const port = freePort();
  const dir = mkdtempSync(join(tmpdir(), "millrace-bench-otelcol-"));
  writeFileSync(
    join(dir, "config.yaml"),
    `receivers: {otlp: {protocols: {http: {endpoint: "127.0.0.1:${port}"}}}}
exporters: {debug: {verbosity: basic}}
service:
  telemetry: {metrics: {level: none}, logs: {level: error}}
  pipelines: {traces: {receivers: [otlp], exporters: [debug]}}
`,
  );
  const child = Bun.spawn([built.stdout.toString().trim(), "--config", join(dir, "config.yaml")], {
    stdout: "ignore",
    stderr: "ignore",
  });
  const endpoint = `http://127.0.0.1:${port}`;
  for (let tries = 0; ; tries++) {
    const ok = await fetch(`${endpoint}/v1/traces`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{}",
    })
      .then((r) => r.ok)
      .catch(() => false);
    if (ok) break;
    if (tries > 300) throw new Error("the collector did not start");
    await Bun.sleep(100);
  }
  return {
    endpoint,
    stop: async () => {
      child.kill();
      await child.exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Publishes per second, and the server's CPU per publish (all its threads), which contention skews less. */
async function publishRate(
  cwd: string,
  env: Record<string, string>,
): Promise<{ perSecond: number; cpuMicros: number }> {
  const dataDir = mkdtempSync(join(tmpdir(), "millrace-bench-trace-"));
  // Not the bench's fixed ports: scripts/bench may run beside this.
  const port = freePort();
  const child: Subprocess = Bun.spawn([process.execPath, "src/main.ts", "serve"], {
    cwd,
    env: {
      PATH: process.env.PATH ?? "",
      HOME: process.env.HOME ?? "",
      MILLRACE_LISTEN: `127.0.0.1:${port}`,
      MILLRACE_DATA_DIR: dataDir,
      MILLRACE_LOG_LEVEL: "warn",
      ...env,
    },
    stdout: "ignore",
    stderr: "inherit",
  });
  try {
    const base = `http://127.0.0.1:${port}`;
    await waitReady(`${base}/health/ready`, child);
    const put = await fetch(`${base}/v1/queues/bench`, { method: "PUT", body: "{}" });
    if (!put.ok) throw new Error(`PUT queue: ${put.status}`);
    await wrk(`${base}/v1/queues/bench/messages`, "publish-one.lua", 1);
    const result = await wrk(`${base}/v1/queues/bench/messages`, "publish-one.lua", SECONDS, child.pid);
    return { perSecond: result.perSecond, cpuMicros: Object.values(result.cpuMicros).reduce((a, b) => a + b, 0) };
  } finally {
    child.kill();
    await child.exited;
    rmSync(dataDir, { recursive: true, force: true });
  }
}

const base = exportBase();
const collector = await startCollector();
const variants = {
  base: { cwd: base.dir, env: {} },
  off: { cwd: ROOT, env: {} },
  on: {
    cwd: ROOT,
    env: {
      MILLRACE_OTEL_EXPORTER_OTLP_ENDPOINT: collector.endpoint,
      MILLRACE_OTEL_TRACES_SAMPLER: "traceidratio",
      MILLRACE_OTEL_TRACES_SAMPLER_ARG: "1.0",
    },
  },
};
const rates: Record<keyof typeof variants, number[]> = { base: [], off: [], on: [] };
const cpu: Record<keyof typeof variants, number[]> = { base: [], off: [], on: [] };
try {
  for (let run = 0; run < RUNS; run++) {
    // Each round starts with the next variant, so no variant always runs first or last.
    const names = Object.keys(variants) as Array<keyof typeof variants>;
    for (const name of [...names.slice(run % names.length), ...names.slice(0, run % names.length)]) {
      const { perSecond, cpuMicros } = await publishRate(variants[name].cwd, variants[name].env);
      rates[name].push(perSecond);
      cpu[name].push(cpuMicros);
      log(`run ${run + 1}/${RUNS} ${name}: ${Math.round(perSecond)} publishes/s, ${Math.round(cpuMicros)} µs CPU each`);
    }
  }
} finally {
  await collector.stop();
  rmSync(base.dir, { recursive: true, force: true });
}
const median = (name: keyof typeof variants) => spread(rates[name]).median;
const medianCpu = (name: keyof typeof variants) => spread(cpu[name]).median;
const round = (value: number) => Math.round(value * 1000) / 1000;
// The three of a round ran within seconds of each other, under about the same load from whatever
// else runs on the machine: the median of the per-round ratios is the figure least moved by it.
const paired = (values: number[], bases: number[]) => round(spread(values.map((v, i) => v / bases[i]!)).median);
console.log(
  JSON.stringify({
    base: `${BASE} (${base.commit})`,
    runs: RUNS,
    seconds: SECONDS,
    publishesPerSecond: { base: spread(rates.base), off: spread(rates.off), on: spread(rates.on) },
    offVsBase: round(median("off") / median("base")),
    onVsBase: round(median("on") / median("base")),
    onVsOff: round(median("on") / median("off")),
    cpuMicrosPerPublish: { base: spread(cpu.base), off: spread(cpu.off), on: spread(cpu.on) },
    cpuOffVsBase: round(medianCpu("off") / medianCpu("base")),
    cpuOnVsBase: round(medianCpu("on") / medianCpu("base")),
    pairedOffVsBase: paired(rates.off, rates.base),
    pairedOnVsBase: paired(rates.on, rates.base),
    pairedCpuOffVsBase: paired(cpu.off, cpu.base),
    pairedCpuOnVsBase: paired(cpu.on, cpu.base),
  }),
);
