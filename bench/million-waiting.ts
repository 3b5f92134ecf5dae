// Publish, lease and ack time on a queue holding a million waiting messages against an empty
// queue beside it, on each driver, in one run: the claim index must keep them O(log n) in the
// backlog, so the two columns should match.
// Usage: bun bench/million-waiting.ts [--messages N]. PostgreSQL at MILLRACE_TEST_DATABASE_URL
// (scripts/ensure-postgres); a scratch database is created and dropped.
import { SQL } from "bun";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openStore } from "../src/storage/open-store.ts";
import type { Store } from "../src/storage/store.ts";
import { createTestDatabase } from "../test/helpers/test-store.ts";

const countArg = process.argv.indexOf("--messages");
const WAITING = countArg > 0 ? Number(process.argv[countArg + 1]) : 1_000_000;
const ROUNDS = 200;
const message = {
  body: '{"n":1}',
  bodyIsBinary: false,
  headers: null,
  priority: 0,
  availableAt: 0,
  groupId: null,
  dedupId: null,
};

type Times = { publishMs: number; leaseMs: number; ackMs: number };

async function rounds(store: Store, queue: string): Promise<Times> {
  const times = { publishMs: 0, leaseMs: 0, ackMs: 0 };
  for (let round = 0; round < ROUNDS; round++) {
    let started = performance.now();
    await store.messages.publish(queue, [message], store.now());
    times.publishMs += performance.now() - started;
    started = performance.now();
    const [leased] = await store.messages.lease(queue, 1, 30_000, store.now());
    times.leaseMs += performance.now() - started;
    started = performance.now();
    await store.messages.ack(queue, [leased!.receipt], store.now());
    times.ackMs += performance.now() - started;
  }
  return { publishMs: times.publishMs / ROUNDS, leaseMs: times.leaseMs / ROUNDS, ackMs: times.ackMs / ROUNDS };
}

/** The same rounds on the empty queue and on the full one (publish into it, lease its head, ack). */
async function measure(store: Store): Promise<{ empty: Times; full: Times }> {
  await store.queues.put("empty", {}, store.now());
  return { empty: await rounds(store, "empty"), full: await rounds(store, "full") };
}

async function sqlite() {
  const dir = mkdtempSync(join(tmpdir(), "millrace-million-"));
  const path = join(dir, "millrace.db");
  try {
    const { store } = await openStore({ databaseUrl: null, sqlitePath: path });
    await store.queues.put("full", {}, store.now());
    for (let done = 0; done < WAITING; done += 10_000) {
      await store.messages.publish(
        "full",
        Array.from({ length: Math.min(10_000, WAITING - done) }, () => message),
        0,
      );
    }
    const result = await measure(store);
    await store.close();
    return result;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function postgres() {
  const database = await createTestDatabase();
  try {
    const { store } = await openStore({ databaseUrl: database.url, sqlitePath: "" });
    await store.queues.put("full", {}, store.now());
    const sql = new SQL({ url: database.url, max: 1 });
    await sql`INSERT INTO messages (id, queue, state, available_at, body, enqueued_at)
              SELECT 'm' || i, 'full', 0, 0, '{"n":1}', 0 FROM generate_series(1, ${WAITING}::int) AS i`;
    await sql`VACUUM ANALYZE messages`;
    await sql.close();
    const result = await measure(store);
    await store.close();
    return result;
  } finally {
    await database.drop();
  }
}

const format = (t: Times) =>
  `publish ${t.publishMs.toFixed(2)} ms, lease ${t.leaseMs.toFixed(2)} ms, ack ${t.ackMs.toFixed(2)} ms`;
for (const [name, run] of [
  ["sqlite", sqlite],
  ["postgres", postgres],
] as const) {
  console.error(
    `${name}: filling a queue with ${WAITING} waiting messages, then ${ROUNDS} rounds of publish, lease, ack…`,
  );
  const r = await run();
  console.log(`${name}: empty queue: ${format(r.empty)} (mean of ${ROUNDS})`);
  console.log(`${name}: ${WAITING} waiting: ${format(r.full)} (mean of ${ROUNDS})`);
}
