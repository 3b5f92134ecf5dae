// Millrace's own scenarios on one running server: single and batch publish under wrk,
// receive+ack with batch consumers, end-to-end latency at a fixed rate; CPU per message by thread.
import {
  cpuMicrosPerMessage,
  diskWriteBytes,
  log,
  medianCpu,
  peakRss,
  repeat,
  rssMb,
  runClient,
  spread,
  threadCpuSeconds,
  wrk,
  type Spread,
} from "../lib/measure.ts";
import type { Running } from "../lib/servers.ts";
import { measureReferencesOnce, summariseCeiling, type Ceiling, type ReferenceName } from "./references.ts";

export interface Throughput {
  perSecond: Spread;
  p99Ms?: number;
  cpuMicros: Record<string, number>;
  /** Bytes the server wrote to disk per message (absent in results from before it was measured). */
  diskBytes?: number;
}

export interface MillraceFigures {
  single: Throughput;
  batch: Throughput;
  receiveAck: Throughput;
  latency?: Latency;
  rssIdleMb: number;
  rssLoadMb: number;
}

/**
 * Medians over the runs of bench/e2e-latency.ts. `publishRttP99Ms` is the publishes' own round
 * trip; `floorPublishP99Ms` is the same generator's publish round trip against the durable limit
 * (no consumers: it has no receive), run right before each Millrace run. No end-to-end p99 can be
 * lower than a publish's, so that figure is the floor this machine's disk and cores set for §9's 5 ms.
 */
export interface Latency {
  p50Ms: number;
  p99Ms: number;
  p999Ms: number;
  rate: number;
  publishRttP99Ms: number;
  floorPublishP99Ms?: number;
}

interface LatencyRun {
  p50Ms: number;
  p99Ms: number;
  p999Ms: number;
  publishRttP99Ms: number;
}

const LATENCY_RATE = 5000;

async function put(base: string, queue: string): Promise<void> {
  const response = await fetch(`${base}/v1/queues/${queue}`, { method: "PUT", body: "{}" });
  if (!response.ok) throw new Error(`PUT queue ${queue}: ${response.status}`);
}

async function receiveAck(server: Running, queue: string, seconds: number) {
  const before = threadCpuSeconds(server.pid);
  const diskBefore = diskWriteBytes([server.pid]);
  const result = await runClient<{ acked: number; lost: number; perSecond: number }>(["bench/receive-ack.ts"], {
    URL: server.base,
    QUEUE: queue,
    DURATION_S: String(seconds),
  });
  if (result.lost > 0) throw new Error(`receive+ack lost ${result.lost} acks; the run is void`);
  return {
    ...result,
    cpuMicros: cpuMicrosPerMessage(before, threadCpuSeconds(server.pid), result.acked),
    diskBytes: (diskWriteBytes([server.pid]) - diskBefore) / result.acked,
  };
}

export async function measureMillrace(
  server: Running,
  label: string,
  runs: number,
  seconds: number,
  withLatency: boolean,
  /** Measured in the same rounds as the single publishes, each round right before Millrace's run. */
  references?: Record<ReferenceName, Running>,
): Promise<MillraceFigures & { references?: Record<ReferenceName, Ceiling> }> {
  const { base, pid } = server;
  await Bun.sleep(300);
  const rssIdleMb = rssMb(pid);
  await put(base, "bench");
  await put(base, "batch");

  log(`${label}: single publish, ${runs} × ${seconds} s`);
  await wrk(`${base}/v1/queues/bench/messages`, "publish-one.lua", 1);
  const referenceRuns: Array<Awaited<ReturnType<typeof measureReferencesOnce>>> = [];
  const single = await peakRss(pid, () =>
    repeat(runs, async () => {
      if (references) referenceRuns.push(await measureReferencesOnce(references, seconds));
      return wrk(`${base}/v1/queues/bench/messages`, "publish-one.lua", seconds, pid);
    }),
  );
  log(`${label}: median ${single.result.perSecond.median.toFixed(0)} publishes/s`);

  log(`${label}: batch publish of 100, ${runs} × ${seconds} s`);
  const batch = await peakRss(pid, () =>
    repeat(runs, async () => {
      const run = await wrk(`${base}/v1/queues/batch/messages`, "publish-batch.lua", seconds, pid);
      const perMessage = Object.fromEntries(Object.entries(run.cpuMicros).map(([k, v]) => [k, v / 100]));
      return { ...run, perSecond: run.perSecond * 100, cpuMicros: perMessage, diskBytes: run.diskBytes / 100 };
    }),
  );
  log(`${label}: median ${batch.result.perSecond.median.toFixed(0)} msg/s in batches`);

  log(`${label}: receive + ack of 100, 8 consumers, ${runs} × ${seconds} s`);
  const consumed = await peakRss(pid, () => repeat(runs, () => receiveAck(server, "batch", seconds)));
  log(`${label}: median ${consumed.result.perSecond.median.toFixed(0)} msg/s received and acked`);

  let latency: MillraceFigures["latency"];
  if (withLatency) {
    log(`${label}: end-to-end latency at ${LATENCY_RATE} msg/s, ${runs} × ${seconds} s`);
    const env = { RATE: String(LATENCY_RATE), DURATION_S: String(seconds) };
    const floorRuns: LatencyRun[] = [];
    const millraceRuns: LatencyRun[] = [];
    for (let run = 0; run < runs; run++) {
      if (references) {
        const limit = references.durableLimit.base;
        floorRuns.push(await runClient<LatencyRun>(["bench/e2e-latency.ts"], { ...env, URL: limit, CONSUMERS: "0" }));
      }
      millraceRuns.push(await runClient<LatencyRun>(["bench/e2e-latency.ts"], { ...env, URL: base }));
    }
    const median = (key: keyof LatencyRun, of: LatencyRun[]) => spread(of.map((r) => r[key])).median;
    latency = {
      rate: LATENCY_RATE,
      p50Ms: median("p50Ms", millraceRuns),
      p99Ms: median("p99Ms", millraceRuns),
      p999Ms: median("p999Ms", millraceRuns),
      publishRttP99Ms: median("publishRttP99Ms", millraceRuns),
      ...(references && { floorPublishP99Ms: median("publishRttP99Ms", floorRuns) }),
    };
    log(
      `${label}: p99 ${latency.p99Ms} ms (the durable limit's publish p99: ${latency.floorPublishP99Ms ?? "not run"} ms)`,
    );
  }
  const p99 = (details: Array<{ p99Ms: number }>) => spread(details.map((d) => d.p99Ms)).median;
  const disk = (details: Array<{ diskBytes: number }>) => spread(details.map((d) => d.diskBytes)).median;
  return {
    ...(references && {
      references: {
        loadGenerator: summariseCeiling(referenceRuns.map((r) => r.loadGenerator)),
        elysia: summariseCeiling(referenceRuns.map((r) => r.elysia)),
        durableLimit: summariseCeiling(referenceRuns.map((r) => r.durableLimit)),
      },
    }),
    single: {
      perSecond: single.result.perSecond,
      p99Ms: p99(single.result.details),
      cpuMicros: medianCpu(single.result.details.map((d) => d.cpuMicros)),
      diskBytes: disk(single.result.details),
    },
    batch: {
      perSecond: batch.result.perSecond,
      p99Ms: p99(batch.result.details),
      cpuMicros: medianCpu(batch.result.details.map((d) => d.cpuMicros)),
      diskBytes: disk(batch.result.details),
    },
    receiveAck: {
      perSecond: consumed.result.perSecond,
      cpuMicros: medianCpu(consumed.result.details.map((d) => d.cpuMicros)),
      diskBytes: disk(consumed.result.details),
    },
    latency,
    rssIdleMb,
    rssLoadMb: Math.max(single.peakMb, batch.peakMb, consumed.peakMb),
  };
}
