// Interleaved A/B of Millrace on PostgreSQL: server CPU per message by thread (from /proc) and
// msg/s, for single publish (wrk, 64 connections) and receive+ack (bench/receive-ack.ts, batches
// of 100), plus the PostgreSQL backends' CPU per message. Each round starts every checkout in
// turn (A B A B …) on a fresh database, so both see the same minutes of a shared machine.
// Usage: bun bench/pg-ab.ts [--rounds N] [--seconds S] [--receive-only] DIR_A [DIR_B …]
//   each DIR is a Millrace checkout with node_modules (e.g. `git archive main | tar -x -C /tmp/a`).
import { readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { cpuMicrosPerMessage, runClient, spread, threadCpuSeconds, wrk } from "./lib/measure.ts";
import { freshDatabase, startMillrace } from "./lib/servers.ts";

const args = process.argv.slice(2);
const option = (name: string, fallback: number) => {
  const at = args.indexOf(name);
  if (at < 0) return fallback;
  const value = Number(args[at + 1]);
  args.splice(at, 2);
  return value;
};
const ROUNDS = option("--rounds", 3);
const SECONDS = option("--seconds", 5);
// --receive-only: skip the single-publish measurement (the queue is still filled by batches).
const receiveOnly = args.includes("--receive-only");
if (receiveOnly) args.splice(args.indexOf("--receive-only"), 1);
const dirs = args.map((dir) => resolve(dir));
if (dirs.length === 0) throw new Error("usage: bun bench/pg-ab.ts [--rounds N] [--seconds S] DIR_A [DIR_B …]");

/** CPU seconds of every PostgreSQL backend of the machine (they serve only this bench's database while it runs). */
function postgresCpuSeconds(): number {
  let total = 0;
  for (const pid of readdirSync("/proc")) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      if (readFileSync(`/proc/${pid}/comm`, "utf8").trim() !== "postgres") continue;
      const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
      total += (Number(fields[11]) + Number(fields[12])) / 100;
    } catch {
      // ended meanwhile
    }
  }
  return total;
}

interface Figures {
  perSecond: number;
  cpu: Record<string, number>;
}

async function once(dir: string): Promise<{ single: Figures; receiveAck: Figures }> {
  const database = await freshDatabase();
  const server = await startMillrace({ root: dir, databaseUrl: database.url }).catch(async (error: unknown) => {
    await database.drop();
    throw error;
  });
  const { base, pid } = server;
  try {
    for (const queue of ["bench", "batch"]) {
      const response = await fetch(`${base}/v1/queues/${queue}`, { method: "PUT", body: "{}" });
      if (!response.ok) throw new Error(`PUT ${queue}: ${response.status}`);
    }
    let run = { perSecond: 0, requests: 1, cpuMicros: {} };
    let pgSingle = 0;
    if (!receiveOnly) {
      await wrk(`${base}/v1/queues/bench/messages`, "publish-one.lua", 2);
      const pgBefore = postgresCpuSeconds();
      run = await wrk(`${base}/v1/queues/bench/messages`, "publish-one.lua", SECONDS, pid);
      pgSingle = ((postgresCpuSeconds() - pgBefore) / run.requests) * 1e6;
    }
    await wrk(`${base}/v1/queues/batch/messages`, "publish-batch.lua", SECONDS);
    const before = threadCpuSeconds(pid);
    const pgBefore2 = postgresCpuSeconds();
    const consumed = await runClient<{ acked: number; perSecond: number }>([join(import.meta.dir, "receive-ack.ts")], {
      URL: base,
      QUEUE: "batch",
      DURATION_S: String(SECONDS),
    });
    const pgConsumed = ((postgresCpuSeconds() - pgBefore2) / consumed.acked) * 1e6;
    return {
      single: { perSecond: run.perSecond, cpu: { ...run.cpuMicros, postgres: Math.round(pgSingle * 10) / 10 } },
      receiveAck: {
        perSecond: consumed.perSecond,
        cpu: {
          ...cpuMicrosPerMessage(before, threadCpuSeconds(pid), consumed.acked),
          postgres: Math.round(pgConsumed * 10) / 10,
        },
      },
    };
  } finally {
    await server.stop();
    await database.drop();
  }
}

const results = new Map<string, Array<{ single: Figures; receiveAck: Figures }>>(dirs.map((dir) => [dir, []]));
for (let round = 1; round <= ROUNDS; round++) {
  for (const dir of dirs) {
    const result = await once(dir);
    results.get(dir)!.push(result);
    console.error(
      `[round ${round}] ${dir}: single ${result.single.perSecond.toFixed(0)}/s ${JSON.stringify(result.single.cpu)}; ` +
        `receive+ack ${result.receiveAck.perSecond.toFixed(0)}/s ${JSON.stringify(result.receiveAck.cpu)}`,
    );
  }
}

const median = (values: number[]) => spread(values).median;
const summary = (runs: Figures[]) => {
  const threads = new Set(runs.flatMap((run) => Object.keys(run.cpu)));
  const cpu: Record<string, number> = {};
  for (const thread of threads) cpu[thread] = Math.round(median(runs.map((run) => run.cpu[thread] ?? 0)) * 10) / 10;
  return { perSecond: Math.round(median(runs.map((run) => run.perSecond))), cpuMicros: cpu };
};
for (const [dir, runs] of results) {
  console.log(
    JSON.stringify({
      dir,
      single: summary(runs.map((r) => r.single)),
      receiveAck: summary(runs.map((r) => r.receiveAck)),
    }),
  );
}
