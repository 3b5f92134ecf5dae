// Full run only: the same publish and receive+ack on a queue holding a large backlog as on an
// empty one beside it, the cost of queue stats at that size, and startup with the backlog.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { EVENT } from "../lib/message.ts";
import { log, repeat, runClient, spread, wrk, type Spread } from "../lib/measure.ts";
import { freshDatabase, startMillrace, type Running } from "../lib/servers.ts";
import { measureStartup } from "./startup.ts";

export interface BacklogFigures {
  waiting: number;
  fillPerSecond: number;
  publish: { empty: Spread; full: Spread };
  receiveAck: { empty: Spread; full: Spread };
  statsMs: { empty: number; full: number };
}

/** Fills `queue` with `count` messages, 1,000 per request, 4 requests in flight. */
async function fill(base: string, queue: string, count: number): Promise<number> {
  const body = JSON.stringify({ messages: Array.from({ length: 1000 }, () => ({ body: EVENT })) });
  const started = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      while ((next += 1000) <= count) {
        const response = await fetch(`${base}/v1/queues/${queue}/messages`, { method: "POST", body });
        if (!response.ok) throw new Error(`filling the backlog: ${response.status} ${await response.text()}`);
        await response.arrayBuffer();
        if (next % 1_000_000 === 0) log(`  ${next} messages waiting`);
      }
    }),
  );
  return count / ((performance.now() - started) / 1000);
}

/** Median of 7 `GET /v1/queues/{q}` (one alone is mostly noise on a shared machine). */
async function statsMs(base: string, queue: string): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < 7; i++) {
    const started = performance.now();
    const response = await fetch(`${base}/v1/queues/${queue}`);
    if (!response.ok) throw new Error(`GET /v1/queues/${queue}: ${response.status}`);
    await response.arrayBuffer();
    times.push(performance.now() - started);
  }
  return spread(times).median;
}

async function compare(server: Running, waiting: number, seconds: number): Promise<BacklogFigures> {
  const { base } = server;
  for (const queue of ["empty", "full", "drain"])
    await fetch(`${base}/v1/queues/${queue}`, { method: "PUT", body: "{}" });
  log(`backlog: filling a queue with ${waiting} messages`);
  const fillPerSecond = await fill(base, "full", waiting);
  const publish = async (queue: string) =>
    (await repeat(3, () => wrk(`${base}/v1/queues/${queue}/messages`, "publish-one.lua", seconds))).perSecond;
  const consume = async (queue: string) =>
    (
      await repeat(3, () =>
        runClient<{ perSecond: number }>(["bench/receive-ack.ts"], {
          URL: base,
          QUEUE: queue,
          DURATION_S: String(seconds),
        }),
      )
    ).perSecond;
  // The empty queue's receivers need something to take: a small batch-filled queue of its own.
  await fill(base, "drain", 300_000);
  return {
    waiting,
    fillPerSecond,
    publish: { empty: await publish("empty"), full: await publish("full") },
    receiveAck: { empty: await consume("drain"), full: await consume("full") },
    statsMs: { empty: await statsMs(base, "empty"), full: await statsMs(base, "full") },
  };
}

export async function measureBacklog(sqliteWaiting: number, postgresWaiting: number, seconds: number) {
  const dataDir = mkdtempSync(join(tmpdir(), "millrace-bench-backlog-"));
  try {
    const server = await startMillrace({ dataDir });
    const sqlite = await compare(server, sqliteWaiting, seconds).finally(() => server.stop());
    const startupWithBacklog = await measureStartup(3, dataDir);
    const database = await freshDatabase();
    const postgres = await (async () => {
      const pg = await startMillrace({ databaseUrl: database.url });
      return compare(pg, postgresWaiting, seconds).finally(() => pg.stop());
    })().finally(() => database.drop());
    return { sqlite, postgres, startupWithBacklog };
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}
