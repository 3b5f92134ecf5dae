// What a queue's stats cost at a deep backlog: the stats refresher runs statsAll every
// MILLRACE_STATS_INTERVAL_SECONDS and GET /v1/queues/{q} runs stats, on SQLite's single writer
// thread, so their time is a stall of every publish meanwhile.
//
// Usage: bun bench/stats-at-depth.ts [--messages N] [--database-url URL]
//   (defaults: 1000000 messages, SQLite in a temp directory; with --database-url, PostgreSQL on
//   that (empty) database). Run from the repository root.
// Fills queue "deep" with N messages of 256 bytes in publish batches of 1000 (a tenth of them
// delayed an hour, so the ready/delayed split has work) next to an empty queue, leases 1% of
// them, folds the count changes as the leader's sweeper would, then times stats() of the deep
// queue, stats() of the empty one and statsAll(), 5 times each, and prints the median ms.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { NewMessage } from "../src/domain/message.ts";
import { openStore } from "../src/storage/open-store.ts";

const option = (name: string, fallback: string): string => {
  const at = process.argv.indexOf(name);
  return at > 0 ? (process.argv[at + 1] ?? fallback) : fallback;
};
const MESSAGES = Number(option("--messages", "1000000"));
const DATABASE_URL = option("--database-url", "");
const BATCH = 1000;
const TIMINGS = 5;
const HOUR_MS = 3_600_000;

const dir = mkdtempSync(join(tmpdir(), "millrace-stats-depth-"));
const { store } = await openStore({ databaseUrl: DATABASE_URL || null, sqlitePath: join(dir, "millrace.db") });
const now = Date.now();
await store.queues.put("deep", {}, now);
await store.queues.put("empty", {}, now);
const filledAt = performance.now();
for (let sent = 0; sent < MESSAGES; sent += BATCH) {
  const batch: NewMessage[] = Array.from({ length: Math.min(BATCH, MESSAGES - sent) }, (_, i) => ({
    body: "x".repeat(256),
    bodyIsBinary: false,
    headers: null,
    priority: 0,
    availableAt: (sent + i) % 10 === 0 ? now + HOUR_MS : now,
    groupId: null,
    dedupId: null,
  }));
  await store.messages.publish("deep", batch, now);
}
await store.messages.lease("deep", Math.floor(MESSAGES / 100), 600_000, now);
// As the leader's lease sweeper does every second (PostgreSQL keeps count changes to fold).
await store.maintenance.foldQueueCounts();
console.log(`filled ${MESSAGES} messages in ${((performance.now() - filledAt) / 1000).toFixed(1)} s`);

async function medianMs(run: () => Promise<unknown>): Promise<string> {
  const times: number[] = [];
  for (let i = 0; i < TIMINGS; i++) {
    const startedAt = performance.now();
    await run();
    times.push(performance.now() - startedAt);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(TIMINGS / 2)]!.toFixed(2);
}
const at = Date.now();
console.log(JSON.stringify(await store.queues.stats("deep", at)));
console.log(`stats(deep)  ${await medianMs(() => store.queues.stats("deep", at))} ms`);
console.log(`stats(empty) ${await medianMs(() => store.queues.stats("empty", at))} ms`);
console.log(`statsAll     ${await medianMs(() => store.queues.statsAll(at))} ms`);
await store.close();
rmSync(dir, { recursive: true, force: true });
