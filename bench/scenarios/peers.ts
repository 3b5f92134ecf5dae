// BullMQ (on a Redis the bench starts, once per fsync policy) and pg-boss (on a fresh database of
// the local PostgreSQL), each publishing and processing the same 256-byte events, in this run.
import { join } from "node:path";
import {
  cpuMicrosPerMessage,
  diskWriteBytes,
  log,
  processCpuSeconds,
  repeat,
  ROOT,
  runClient,
  type Spread,
} from "../lib/measure.ts";
import { freshDatabase, startRedis, type Fsync } from "../lib/servers.ts";

export interface PeerThroughput {
  perSecond: Spread;
  /** CPU per message of the peer's client process (µs) and of its server when the bench owns it. */
  clientCpuMicros: number;
  serverCpuMicros?: Record<string, number>;
  /** Bytes the peer's server wrote to disk per message, when the bench owns it (Redis: its AOF). */
  serverDiskBytes?: number;
}

export interface PeerFigures {
  publish: PeerThroughput;
  batch: PeerThroughput;
  process: PeerThroughput;
}

interface ClientResult {
  messages: number;
  perSecond: number;
  clientCpuMicros: number;
}

const PEERS_DIR = join(ROOT, "bench/peers");
const median = (values: number[]) => values.sort((a, b) => a - b)[values.length >> 1]!;

async function runs(
  times: number,
  script: string,
  env: Record<string, string>,
  serverPid?: number,
): Promise<PeerThroughput> {
  const result = await repeat(times, async () => {
    const before = serverPid ? processCpuSeconds([serverPid]) : new Map<string, number>();
    const diskBefore = serverPid ? diskWriteBytes([serverPid]) : NaN;
    const run = await runClient<ClientResult>([script], env, PEERS_DIR);
    const server = serverPid ? cpuMicrosPerMessage(before, processCpuSeconds([serverPid]), run.messages) : undefined;
    const disk = serverPid ? (diskWriteBytes([serverPid]) - diskBefore) / run.messages : NaN;
    return { ...run, server, disk };
  });
  const serverNames = Object.keys(result.details[0]!.server ?? {});
  return {
    perSecond: result.perSecond,
    clientCpuMicros: median(result.details.map((d) => d.clientCpuMicros)),
    ...(serverPid && {
      serverCpuMicros: Object.fromEntries(
        serverNames.map((name) => [name, median(result.details.map((d) => d.server?.[name] ?? 0))]),
      ),
      serverDiskBytes: median(result.details.map((d) => d.disk)),
    }),
  };
}

export async function measureBullmq(fsync: Fsync, times: number, seconds: number, messages: number) {
  log(`BullMQ, Redis appendfsync ${fsync}: add ×64, addBulk 100, Worker; ${times} runs each`);
  const redis = await startRedis(fsync);
  try {
    const env = { REDIS_PORT: String(redis.port), DURATION_S: String(seconds), MESSAGES: String(messages) };
    const figures: PeerFigures = {
      publish: await runs(times, "bullmq.ts", { ...env, MODE: "add" }, redis.pid),
      batch: await runs(times, "bullmq.ts", { ...env, MODE: "bulk" }, redis.pid),
      // 100 jobs at once per worker was the best of 10, 50, 100 and 200 here.
      process: await runs(times, "bullmq.ts", { ...env, MODE: "process", CONCURRENCY: "100" }, redis.pid),
    };
    log(
      `BullMQ (${fsync}): add ${figures.publish.perSecond.median.toFixed(0)}/s, ` +
        `process ${figures.process.perSecond.median.toFixed(0)}/s`,
    );
    return figures;
  } finally {
    await redis.stop();
  }
}

export async function measurePgBoss(times: number, seconds: number, messages: number) {
  log(`pg-boss on the local PostgreSQL: send ×64, insert 100, work; ${times} runs each`);
  const database = await freshDatabase();
  try {
    const env = { DATABASE_URL: database.url, DURATION_S: String(seconds), MESSAGES: String(messages) };
    const figures: PeerFigures = {
      publish: await runs(times, "pgboss.ts", { ...env, MODE: "send" }),
      batch: await runs(times, "pgboss.ts", { ...env, MODE: "insert" }),
      process: await runs(times, "pgboss.ts", { ...env, MODE: "process", BATCH: "100", WORKERS: "4" }),
    };
    log(
      `pg-boss: send ${figures.publish.perSecond.median.toFixed(0)}/s, ` +
        `process ${figures.process.perSecond.median.toFixed(0)}/s`,
    );
    return figures;
  } finally {
    await database.drop();
  }
}
