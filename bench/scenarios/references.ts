// The ceilings every Millrace publish figure is divided by: the load generator's own ceiling (a
// static route), Elysia's bare POST, and the durable limit. They run beside Millrace and each
// round measures all of them back to back, so a ratio compares runs seconds apart: the load
// from other work on this machine changes within a minute.
import { log, medianCpu, spread, wrk, type Spread, type WrkResult } from "../lib/measure.ts";
import { startReference, type Running } from "../lib/servers.ts";

export interface Ceiling {
  perSecond: Spread;
  p99Ms: number;
  cpuMicros: Record<string, number>;
  /** Bytes written to disk per message (absent in results from before it was measured). */
  diskBytes?: number;
}

const SERVERS = {
  loadGenerator: "bare-server.ts",
  elysia: "reference-server.ts",
  durableLimit: "durable-limit/server.ts",
} as const;
export type ReferenceName = keyof typeof SERVERS;

export async function startReferences(): Promise<Record<ReferenceName, Running>> {
  const servers = {
    loadGenerator: await startReference(SERVERS.loadGenerator),
    elysia: await startReference(SERVERS.elysia),
    durableLimit: await startReference(SERVERS.durableLimit),
  };
  log("references: wrk's own ceiling (static route), Elysia bare POST, durable limit; warming up");
  for (const server of Object.values(servers))
    await wrk(`${server.base}/v1/queues/bench/messages`, "publish-one.lua", 1);
  return servers;
}

/** One wrk run of single publishes against each reference. */
export async function measureReferencesOnce(servers: Record<ReferenceName, Running>, seconds: number) {
  const out = {} as Record<ReferenceName, WrkResult>;
  for (const name of Object.keys(SERVERS) as ReferenceName[]) {
    const server = servers[name];
    out[name] = await wrk(`${server.base}/v1/queues/bench/messages`, "publish-one.lua", seconds, server.pid);
  }
  return out;
}

export function summariseCeiling(runs: WrkResult[]): Ceiling {
  return {
    perSecond: spread(runs.map((r) => r.perSecond)),
    p99Ms: spread(runs.map((r) => r.p99Ms)).median,
    cpuMicros: medianCpu(runs.map((r) => r.cpuMicros)),
    diskBytes: spread(runs.map((r) => r.diskBytes)).median,
  };
}
