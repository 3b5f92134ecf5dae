// The ceilings every Millrace figure is divided by, measured in the same run: the load
// generator's own ceiling (a static route), Elysia's bare POST, and the durable limit.
import { log, medianCpu, repeat, wrk, type Spread } from "../lib/measure.ts";
import { startReference } from "../lib/servers.ts";

export interface Ceiling {
  perSecond: Spread;
  p99Ms: number;
  cpuMicros: Record<string, number>;
}

async function measure(script: string, label: string, runs: number, seconds: number): Promise<Ceiling> {
  log(`${label}: ${runs} × ${seconds} s of wrk, 64 connections`);
  const server = await startReference(script);
  try {
    const url = `${server.base}/v1/queues/bench/messages`;
    await wrk(url, "publish-one.lua", 1); // warm-up
    const result = await repeat(runs, () => wrk(url, "publish-one.lua", seconds, server.pid));
    log(`${label}: median ${result.perSecond.median.toFixed(0)} req/s`);
    return {
      perSecond: result.perSecond,
      p99Ms: result.details.map((d) => d.p99Ms).sort((a, b) => a - b)[runs >> 1]!,
      cpuMicros: medianCpu(result.details.map((d) => d.cpuMicros)),
    };
  } finally {
    await server.stop();
  }
}

export async function measureReferences(runs: number, seconds: number) {
  return {
    loadGenerator: await measure("bare-server.ts", "wrk's own ceiling (static route)", runs, seconds),
    elysia: await measure("reference-server.ts", "Elysia bare POST", runs, seconds),
    durableLimit: await measure("durable-limit/server.ts", "durable limit (group commit, FULL)", runs, seconds),
  };
}
