// Turns one results file into the summary line, bench/RESULTS.md, and the README's table.
// "Before" is the oldest results file of the same mode (the run before the optimisations).
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import type { Spread } from "./lib/measure.ts";
import { ROOT } from "./lib/measure.ts";
import type { BacklogFigures } from "./scenarios/backlog.ts";
import type { MillraceFigures, Throughput } from "./scenarios/millrace.ts";
import type { PeerFigures } from "./scenarios/peers.ts";
import type { Ceiling } from "./scenarios/references.ts";

export interface BenchResults {
  schema: 2;
  date: string;
  mode: "quick" | "full";
  command: string;
  machine: { cpus: number; bun: string; loadAverage: number[] };
  runs: number;
  seconds: number;
  references: { loadGenerator: Ceiling; elysia: Ceiling; durableLimit: Ceiling };
  sqlite: MillraceFigures;
  postgres: MillraceFigures;
  peers: { bullmqAlways: PeerFigures; bullmqEverysec: PeerFigures; pgBoss: PeerFigures };
  startup: Spread;
  backlog?: { sqlite: BacklogFigures; postgres: BacklogFigures; startupWithBacklog: Spread } | undefined;
  wallSeconds: number;
}

const round = (value: number, digits = 2) => Math.round(value * 10 ** digits) / 10 ** digits;

/** The one-line summary `scripts/bench --quick` ends with; ratios are of medians from this run. */
export function summarise(r: BenchResults) {
  const single = r.sqlite.single.perSecond.median;
  const processed = r.sqlite.receiveAck.perSecond.median;
  const peer = r.peers;
  return {
    publish_ratio_to_ceiling: round(single / r.references.elysia.perSecond.median),
    publish_ratio_to_durable_limit: round(single / r.references.durableLimit.perSecond.median),
    batch_publish_msgs_per_s: Math.round(r.sqlite.batch.perSecond.median),
    receive_ack_msgs_per_s: Math.round(processed),
    e2e_p99_ms: r.sqlite.latency?.p99Ms ?? NaN,
    vs_bullmq_publish: round(single / peer.bullmqAlways.publish.perSecond.median),
    vs_bullmq_process: round(processed / peer.bullmqAlways.process.perSecond.median),
    vs_pgboss_publish: round(single / peer.pgBoss.publish.perSecond.median),
    vs_pgboss_process: round(processed / peer.pgBoss.process.perSecond.median),
    pg_vs_pgboss_publish: round(r.postgres.single.perSecond.median / peer.pgBoss.publish.perSecond.median),
    pg_vs_pgboss_process: round(r.postgres.receiveAck.perSecond.median / peer.pgBoss.process.perSecond.median),
    rss_mb_idle: round(r.sqlite.rssIdleMb, 1),
    rss_mb_load: round(r.sqlite.rssLoadMb, 1),
    startup_ms: round(r.startup.median, 1),
  };
}

const n = (value: number) => Math.round(value).toLocaleString("en-US");
const s = (x: Spread) => `${n(x.median)} (${n(x.min)}–${n(x.max)})`;
const cpu = (byThread: Record<string, number>) =>
  Object.entries(byThread)
    .filter(([, micros]) => micros >= 1)
    .map(([name, micros]) => `${name} ${round(micros, 1)}`)
    .join(", ");

function oldestOfMode(mode: string): { file: string; results: BenchResults } | null {
  const dir = join(ROOT, "bench/results");
  for (const file of readdirSync(dir)
    .filter((f) => f.endsWith(".json"))
    .sort()) {
    const results = JSON.parse(readFileSync(join(dir, file), "utf8")) as Partial<BenchResults>;
    if (results.schema === 2 && results.mode === mode) return { file, results: results as BenchResults };
  }
  return null;
}

/**
 * What the same run's durable limit reaches on the targets it bounds. It is the least a durable
 * single publish costs, so Millrace's single-publish ratios to Elysia and to BullMQ cannot beat
 * its own; and no publish-to-receive p99 is lower than its publish round-trip p99 at the latency
 * scenario's rate.
 */
function sameRunBounds(r: BenchResults): Partial<Record<keyof ReturnType<typeof summarise>, number>> {
  const floor = r.sqlite.latency?.floorPublishP99Ms;
  const limit = r.references.durableLimit.perSecond.median;
  return {
    publish_ratio_to_ceiling: round(limit / r.references.elysia.perSecond.median),
    vs_bullmq_publish: round(limit / r.peers.bullmqAlways.publish.perSecond.median),
    ...(floor !== undefined && { e2e_p99_ms: floor }),
  };
}

/** The table of §9 targets, with the "before" run's figure beside each. */
export function targetsTable(r: BenchResults, before: BenchResults | null): string {
  const now = summarise(r);
  const then = before ? summarise(before) : null;
  const bounds = sameRunBounds(r);
  const rows: Array<[string, keyof ReturnType<typeof summarise>, string]> = [
    ["publish, 1 msg/request ÷ Elysia bare POST", "publish_ratio_to_ceiling", "≥ 0.7"],
    ["publish ÷ durable limit (group commit, FULL)", "publish_ratio_to_durable_limit", "≥ 0.8"],
    ["batch publish, 100/request (msg/s)", "batch_publish_msgs_per_s", "≥ 300,000"],
    ["receive + ack, batches of 100 (msg/s)", "receive_ack_msgs_per_s", "≥ 100,000"],
    ["end-to-end p99 at 5k msg/s (ms)", "e2e_p99_ms", "≤ 5"],
    ["publish ÷ BullMQ add (Redis fsync always)", "vs_bullmq_publish", "≥ 1.5"],
    ["process ÷ BullMQ Worker (Redis fsync always)", "vs_bullmq_process", "≥ 1.5"],
    ["publish ÷ pg-boss send", "vs_pgboss_publish", "≥ 1.5"],
    ["process ÷ pg-boss work", "vs_pgboss_process", "≥ 1.5"],
    ["PostgreSQL publish ÷ pg-boss send", "pg_vs_pgboss_publish", "≥ 2"],
    ["PostgreSQL process ÷ pg-boss work", "pg_vs_pgboss_process", "≥ 2"],
    ["RSS idle (MB)", "rss_mb_idle", "< 100"],
    ["RSS under load (MB)", "rss_mb_load", "< 250"],
    ["exec to /health/ready, compiled, empty (ms)", "startup_ms", "< 300"],
  ];
  const lines = ["| measure | now | before | target | the durable limit, same run |", "|---|---|---|---|---|"];
  for (const [label, key, target] of rows) {
    const bound = bounds[key];
    lines.push(
      `| ${label} | **${now[key].toLocaleString("en-US")}** | ${then ? then[key].toLocaleString("en-US") : "–"} | ${target} | ${bound === undefined ? "" : bound.toLocaleString("en-US")} |`,
    );
  }
  return lines.join("\n");
}

/** Server CPU per message, by thread: steadier than throughput here, and what optimisation moves. */
export function cpuTable(r: BenchResults, before: BenchResults | null): string {
  const total = (byThread: Record<string, number>) =>
    round(
      Object.values(byThread).reduce((a, b) => a + b, 0),
      1,
    );
  const lines = [
    "| Millrace on SQLite, CPU µs per message | now: total (by thread) | before: total (by thread) |",
    "|---|---|---|",
  ];
  for (const [label, key] of [
    ["publish, 1/request", "single"],
    ["publish, 100/request", "batch"],
    ["receive + ack", "receiveAck"],
  ] as const) {
    const now = r.sqlite[key].cpuMicros;
    const then = before?.sqlite[key].cpuMicros;
    lines.push(`| ${label} | ${total(now)} (${cpu(now)}) | ${then ? `${total(then)} (${cpu(then)})` : "–"} |`);
  }
  return lines.join("\n");
}

export function detailTable(r: BenchResults): string {
  const ref = r.references;
  const p = r.peers;
  /** Disk bytes per message; "–" where the writes happen in a server the bench does not own (PostgreSQL). */
  const disk = (bytes: number | undefined) => (bytes === undefined || Number.isNaN(bytes) ? "–" : n(bytes));
  const server = (label: string, f: Ceiling | Throughput, ownsDisk = true) => [
    label,
    s(f.perSecond),
    cpu(f.cpuMicros),
    ownsDisk ? disk(f.diskBytes) : "–",
  ];
  const rows = [
    server("wrk's own ceiling: static route, no parsing", ref.loadGenerator),
    server("Elysia bare POST (parses the JSON)", ref.elysia),
    server("durable limit: native route, writer thread, group commit, FULL", ref.durableLimit),
    server("Millrace SQLite: publish, 1/request", r.sqlite.single),
    server("Millrace SQLite: publish, 100/request", r.sqlite.batch),
    server("Millrace SQLite: receive + ack, 100/call, 8 consumers", r.sqlite.receiveAck),
    server("Millrace PostgreSQL: publish, 1/request", r.postgres.single, false),
    server("Millrace PostgreSQL: publish, 100/request", r.postgres.batch, false),
    server("Millrace PostgreSQL: receive + ack", r.postgres.receiveAck, false),
  ];
  for (const [label, figures] of [
    ["BullMQ, Redis AOF appendfsync always (Millrace's durability)", p.bullmqAlways],
    ["BullMQ, Redis AOF appendfsync everysec (BullMQ's usual setting)", p.bullmqEverysec],
    ["pg-boss, local PostgreSQL", p.pgBoss],
  ] as const) {
    for (const [scenario, f] of [
      ["add/send, 64 in flight", figures.publish],
      ["bulk of 100", figures.batch],
      ["process", figures.process],
    ] as const) {
      const serverCpu = f.serverCpuMicros ? `, server: ${cpu(f.serverCpuMicros)}` : "";
      rows.push([
        `${label}: ${scenario}`,
        s(f.perSecond),
        `client ${f.clientCpuMicros}${serverCpu}`,
        disk(f.serverDiskBytes),
      ]);
    }
  }
  const lines = [
    "| scenario | msg/s: median (min–max) | CPU µs per message, by thread | server's disk writes per message (bytes) |",
    "|---|---|---|---|",
  ];
  for (const row of rows) lines.push(`| ${row.join(" | ")} |`);
  return lines.join("\n");
}

function backlogTable(b: NonNullable<BenchResults["backlog"]>): string {
  const lines = [
    "| driver | waiting | publish empty / full | receive+ack empty / full | GET queue empty / full (ms) |",
    "|---|---|---|---|---|",
  ];
  for (const [name, f] of [
    ["SQLite", b.sqlite],
    ["PostgreSQL", b.postgres],
  ] as const) {
    lines.push(
      `| ${name} | ${n(f.waiting)} | ${s(f.publish.empty)} / ${s(f.publish.full)} | ${s(f.receiveAck.empty)} / ${s(f.receiveAck.full)} | ${round(f.statsMs.empty)} / ${round(f.statsMs.full)} |`,
    );
  }
  lines.push("", `Startup of the compiled binary with the SQLite backlog: ${s(b.startupWithBacklog)} ms.`);
  return lines.join("\n");
}

export function renderReport(r: BenchResults, file: string): string {
  const before = oldestOfMode(r.mode);
  const latency = r.sqlite.latency;
  return [
    "# Bench results (generated by bench/report.ts; do not edit)",
    "",
    `\`${r.command}\` on ${r.date.slice(0, 16).replace("T", " ")} UTC, ${r.machine.cpus} cores shared with other work (load average ${r.machine.loadAverage.map((l) => l.toFixed(1)).join(" ")}), Bun ${r.machine.bun}; ${r.runs} runs of ${r.seconds} s per figure, medians with (min–max). Raw figures: \`bench/results/${basename(file)}\`.${before && before.file !== basename(file) ? ` "Before" is \`bench/results/${before.file}\`.` : ""}`,
    "",
    "## DESIGN §9 targets",
    "",
    targetsTable(r, before && before.file !== basename(file) ? before.results : null),
    "",
    cpuTable(r, before && before.file !== basename(file) ? before.results : null),
    "",
    "## Every scenario",
    "",
    "256-byte JSON events everywhere; wrk with 64 connections for the HTTP servers; thread `bun.exe` is the HTTP (main) thread, `Worker` the SQLite writer; peers' clients run in Bun from `bench/peers`. CPU is the server's per message, by thread, from /proc (steadier than throughput on a shared machine); for peers, the client process's and, for Redis, the server's. Disk writes are the server process's `write_bytes` from /proc per message: SQLite's WAL frames (whole 4 KiB pages) and checkpoint copies, Redis's AOF; PostgreSQL's are its own server's, not measured.",
    "",
    detailTable(r),
    "",
    latency
      ? `End-to-end latency, publish to receive at ${latency.rate} msg/s with 4 long-polling consumers: p50 ${latency.p50Ms} ms, p99 ${latency.p99Ms} ms, p99.9 ${latency.p999Ms} ms (medians of ${r.runs} runs). The publishes' own round trip: p99 ${latency.publishRttP99Ms} ms${latency.floorPublishP99Ms === undefined ? "" : `; the durable limit's, under the same schedule: p99 ${latency.floorPublishP99Ms} ms`}.`
      : "",
    "",
    `RSS: idle ${round(r.sqlite.rssIdleMb, 1)} MB, peak under load ${round(r.sqlite.rssLoadMb, 1)} MB (SQLite). Exec to /health/ready, compiled binary, empty: ${s(r.startup)} ms.`,
    "",
    r.backlog
      ? `## Backlog\n\n${backlogTable(r.backlog)}\n`
      : "Backlog scenarios run in the full bench only (`scripts/bench`).\n",
  ].join("\n");
}

export function writeReport(r: BenchResults, file: string): void {
  writeFileSync(join(ROOT, "bench/RESULTS.md"), renderReport(r, file));
}
