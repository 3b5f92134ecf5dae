// The floor SQLite itself sets under Millrace's storage work, and how far Millrace's store is above it.
//
// Usage: bun bench/storage-floor.ts [--messages N] [--rounds R] [--held H] [--publish-size P] [--callers C]
//          [--levels raw,raw4,engine,engine4,store]
//   (any rawN, bareN or engineN: N operations per commit; the store level folds what its C callers,
//   default 8, have in flight; P messages per publish, default 100: 1 is the single publishes of
//   64 HTTP connections, with --callers 64)
//   (defaults: 20000 messages, 3 rounds, no held leases, those levels; run from the repository root).
//   --held H leases H of the messages before receive+ack and never acks them (other consumers'
//   messages in flight; they must be a multiple of 100 and fewer than N).
//
// Each level publishes N messages of 256 bytes in batches of 100, then drains them by leasing
// 100 and acking those 100, on a fresh database file with Millrace's schema (its embedded
// migrations) and its pragmas (WAL, synchronous=FULL). Levels, in rounds A B C A B C …, so that
// the machine's load (shared, noisy) falls on all of them alike:
//   raw     bun:sqlite alone, one thread: the same statements Millrace's writer runs (the claim
//           SELECT and the json_each UPDATE for a lease; the fencing SELECT and the DELETE for an
//           ack; a 100-row INSERT for a batch), each operation in its own BEGIN IMMEDIATE … COMMIT.
//           No receipts, no token checks, no live counts: the floor.
//   rawN    the same with N operations per commit (receive+ack: N leases and the N acks of the
//           previous commit's leases), as group commit folds concurrent callers together.
//   bare, bareN
//           raw's publishes on a messages table stripped of what the broker needs besides the rows:
//           its secondary indexes (claim order, ids, leases, groups, dead letters), the triggers
//           that keep queue counts, and AUTOINCREMENT. Publish only (nothing could claim). Against
//           raw, what those cost the writer: the durable-limit server's table has none of them.
//   engine, engineN
//           Millrace's SqliteEngine (the writer thread's code) called directly on one thread,
//           1 or N operations per transaction: Millrace's SQL and JS without the thread hop.
//   store   openStore's SQLite store in-process: main thread + writer thread, 8 concurrent
//           callers as in scripts/bench (the writer folds what arrives together into one commit).
// Prints CPU µs per message by thread (from /proc/<pid>/task/<tid>/schedstat, nanoseconds), and
// the msg/s one core would reach at that cost. Wall-clock rates are printed too but on a shared
// machine only the CPU figures compare.
import { Database } from "bun:sqlite";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import type { NewMessage } from "../src/domain/message.ts";
import { openStore } from "../src/storage/open-store.ts";
import { openSqliteDatabase } from "../src/storage/sqlite/context.ts";
import { SqliteEngine } from "../src/storage/sqlite/engine.ts";
import { migrateSqlite } from "../src/storage/sqlite/migrate.ts";
import { EVENT_JSON } from "./lib/message.ts";

const option = (name: string, fallback: string): string => {
  const at = process.argv.indexOf(name);
  return at > 0 ? (process.argv[at + 1] ?? fallback) : fallback;
};
const MESSAGES = Number(option("--messages", "20000"));
/** Leases taken before receive+ack and never acked: the messages other consumers hold in flight. */
const HELD = Number(option("--held", "0"));
const ROUNDS = Number(option("--rounds", "3"));
const LEVELS = option("--levels", "raw,raw4,engine,engine4,store").split(",");
/** Messages per lease. */
const BATCH = 100;
const PUBLISH_SIZE = Number(option("--publish-size", String(BATCH)));
/** Concurrent callers at the store level: 8 as scripts/bench's receive+ack consumers. */
const CALLERS = Number(option("--callers", "8"));
const QUEUE = "floor";
const TOKEN_BYTES = 16;

type ThreadCpu = Map<string, number>;
interface Phase {
  cpu: ThreadCpu;
  seconds: number;
  messages: number;
}

/** Nanoseconds each thread of this process has run, by "name:tid" (schedstat's first field). */
function threadNanos(): ThreadCpu {
  const totals = new Map<string, number>();
  for (const tid of readdirSync("/proc/self/task")) {
    try {
      const name = readFileSync(`/proc/self/task/${tid}/comm`, "utf8").trim();
      const ns = Number(readFileSync(`/proc/self/task/${tid}/schedstat`, "utf8").split(" ")[0]);
      totals.set(Number(tid) === process.pid ? "main" : `${name}:${tid}`, ns);
    } catch {
      // the thread ended between listing and reading
    }
  }
  return totals;
}

async function measure(messages: number, work: () => Promise<void> | void): Promise<Phase> {
  const before = threadNanos();
  const started = performance.now();
  await work();
  const seconds = (performance.now() - started) / 1000;
  const after = threadNanos();
  const cpu = new Map<string, number>();
  for (const [thread, ns] of after) cpu.set(thread, ns - (before.get(thread) ?? 0));
  return { cpu, seconds, messages };
}

function newMessages(count: number, now: number): NewMessage[] {
  return Array.from({ length: count }, () => ({
    body: EVENT_JSON,
    bodyIsBinary: false,
    headers: null,
    priority: 0,
    availableAt: now,
    groupId: null,
    dedupId: null,
  }));
}

function freshDatabase(directory: string, name: string): Database {
  const db = openSqliteDatabase(join(directory, `${name}.db`));
  migrateSqlite(db);
  return db;
}

/** Lets every message be claimed at once; the store levels go through queues.put. */
function createQueueRow(db: Database): void {
  const now = Date.now();
  db.query("INSERT INTO queues (name, settings, live_count, created_at, updated_at) VALUES (?, ?, 0, ?, ?)").run(
    QUEUE,
    "{}",
    now,
    now,
  );
}

interface Phases {
  publish: Phase;
  /** Absent for publish-only levels. */
  receiveAck?: Phase;
}

/** The three storage operations the drill runs, on one thread, inside the driver's transactions. */
interface SyncOperations<Lease> {
  /** Publishes only; lease and ack are never called. */
  publishOnly?: boolean;
  publish(now: number): void;
  /** null once the queue is empty. */
  lease(now: number): Lease | null;
  ack(lease: Lease, now: number): void;
}

/**
 * Runs the drill with `group` operations per transaction. Receive+ack commits hold `group`
 * leases and the acks of the previous commit's leases, as concurrent consumers' calls do when
 * the writer folds them into one commit.
 */
async function drive<Lease>(db: Database, ops: SyncOperations<Lease>, group: number): Promise<Phases> {
  const begin = db.prepare("BEGIN IMMEDIATE");
  const commit = db.prepare("COMMIT");
  const publish = await measure(MESSAGES, () => {
    for (let sent = 0; sent < MESSAGES; sent += PUBLISH_SIZE * group) {
      begin.run();
      for (let i = 0; i < group; i++) ops.publish(Date.now());
      commit.run();
    }
  });
  if (ops.publishOnly) return { publish };
  for (let held = 0; held < HELD; held += BATCH) {
    begin.run();
    ops.lease(Date.now());
    commit.run();
  }
  const receiveAck = await measure(MESSAGES - HELD, () => {
    let previous: Lease[] = [];
    let drained = false;
    while (!drained || previous.length > 0) {
      const now = Date.now();
      begin.run();
      for (const lease of previous) ops.ack(lease, now);
      previous = [];
      for (let i = 0; i < group && !drained; i++) {
        const lease = ops.lease(now);
        if (lease === null) drained = true;
        else previous.push(lease);
      }
      commit.run();
    }
  });
  return { publish, receiveAck };
}

/** The statements SqliteMessageStore runs for these three operations, and nothing else. */
function rawOperations(db: Database): SyncOperations<string> {
  createQueueRow(db);
  const row = "(?, ?, 0, 0, ?, NULL, NULL, ?, 0, NULL, ?)";
  const insert = db.prepare(
    `INSERT INTO messages (id, queue, state, priority, available_at, group_id, dedup_id, body, body_is_binary, headers, enqueued_at)
     VALUES ${Array.from({ length: PUBLISH_SIZE }, () => row).join(", ")}`,
  );
  const claim = db.query<{ seq: number; lease_generation: number }, [string, number, number]>(
    `SELECT seq, id, body, body_is_binary, headers, priority, group_id, attempts, enqueued_at, last_error, lease_generation
       FROM messages WHERE queue = ? AND state = 0 AND available_at <= ?
      ORDER BY priority DESC, available_at, seq LIMIT ?`,
  );
  const stamp = db.query(
    `UPDATE messages
        SET state = 1, attempts = attempts + 1, lease_generation = lease_generation + 1,
            lease_expires_at = ?1, lease_owner = ?2, lease_token = substr(?3, picked.key * ?4 + 1, ?4)
       FROM json_each(?5) AS picked
      WHERE messages.seq = picked.value`,
  );
  const held = db.query<{ seq: number }, [string, string, number]>(
    `SELECT seq, queue, attempts, group_id, lease_generation, lease_token FROM messages
      WHERE seq IN (SELECT value FROM json_each(?)) AND queue = ? AND state = 1 AND lease_expires_at > ?`,
  );
  const remove = db.query("DELETE FROM messages WHERE seq IN (SELECT value FROM json_each(?))");
  return {
    publish(now) {
      const values: Array<string | number> = [];
      // Ids as Millrace draws them (UUIDv7, 36 characters), so rows and index entries are the same size.
      for (let i = 0; i < PUBLISH_SIZE; i++) values.push(Bun.randomUUIDv7(), QUEUE, now, EVENT_JSON, now);
      insert.run(...values);
    },
    lease(now) {
      const rows = claim.all(QUEUE, now, BATCH);
      if (rows.length === 0) return null;
      const seqs = JSON.stringify(rows.map((r) => r.seq));
      stamp.run(now + 30_000, null, randomBytes(TOKEN_BYTES * rows.length), TOKEN_BYTES, seqs);
      return seqs;
    },
    ack(seqs, now) {
      const found = held.all(seqs, QUEUE, now);
      remove.run(JSON.stringify(found.map((r) => r.seq)));
    },
  };
}

/**
 * raw's publishes on the messages table rebuilt without AUTOINCREMENT, and with neither its
 * secondary indexes nor the queue-count triggers: what maintaining them costs, by difference.
 */
function bareOperations(db: Database): SyncOperations<string> {
  const table = db
    .query<{ sql: string }, []>("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'messages'")
    .get()!.sql;
  db.run("DROP TABLE messages"); // its indexes and triggers go with it
  db.run(table.replace("AUTOINCREMENT", ""));
  return { ...rawOperations(db), publishOnly: true };
}

/** Millrace's SqliteEngine, as the writer thread calls it (writer-worker.ts runInTransaction, minus the messaging). */
function engineOperations(db: Database): SyncOperations<string[]> {
  const engine = new SqliteEngine(db);
  engine.queues.put(QUEUE, {}, Date.now());
  return {
    publish(now) {
      engine.messages.publish(QUEUE, newMessages(PUBLISH_SIZE, now), now);
      engine.flushWrites();
    },
    lease(now) {
      const leased = engine.messages.lease(QUEUE, BATCH, null, now, null);
      return leased.length === 0 ? null : leased.map((m) => m.receipt);
    },
    ack(receipts, now) {
      engine.messages.ack(QUEUE, receipts, now);
    },
  };
}

function syncLevel<Lease>(
  operations: (db: Database) => SyncOperations<Lease>,
  group: number,
): (directory: string) => Promise<Phases> {
  return async (directory) => {
    const db = freshDatabase(directory, `sync-${Date.now()}`);
    try {
      return await drive(db, operations(db), group);
    } finally {
      db.close();
    }
  };
}

async function runStore(directory: string): Promise<Phases> {
  const { store } = await openStore({ databaseUrl: null, sqlitePath: join(directory, `store-${Date.now()}.db`) });
  await store.queues.put(QUEUE, {}, Date.now());
  const perCaller = Math.ceil(MESSAGES / PUBLISH_SIZE / CALLERS);
  const publish = await measure(MESSAGES, async () => {
    await Promise.all(
      Array.from({ length: CALLERS }, async () => {
        for (let i = 0; i < perCaller; i++) {
          const now = Date.now();
          await store.messages.publish(QUEUE, newMessages(PUBLISH_SIZE, now), now);
        }
      }),
    );
  });
  for (let held = 0; held < HELD; held += BATCH) await store.messages.lease(QUEUE, BATCH, null, Date.now(), null);
  const receiveAck = await measure(MESSAGES - HELD, async () => {
    await Promise.all(
      Array.from({ length: CALLERS }, async () => {
        for (;;) {
          const now = Date.now();
          const leased = await store.messages.lease(QUEUE, BATCH, null, now, null);
          if (leased.length === 0) return;
          await store.messages.ack(
            QUEUE,
            leased.map((m) => m.receipt),
            now,
          );
        }
      }),
    );
  });
  await store.close();
  return { publish, receiveAck };
}

/** "store", or "raw"/"bare"/"engine" followed by the operations per commit (1 when left out). */
function runner(level: string): (directory: string) => Promise<Phases> {
  if (level === "store") return runStore;
  const match = /^(raw|bare|engine)(\d*)$/.exec(level);
  if (!match) throw new Error(`unknown level ${level}: raw[N], bare[N], engine[N] or store`);
  const group = match[2] ? Number(match[2]) : 1;
  if (match[1] === "raw") return syncLevel(rawOperations, group);
  if (match[1] === "bare") return syncLevel(bareOperations, group);
  return syncLevel(engineOperations, group);
}

/** Bun names a Worker's thread "Worker"; the rest besides main are JIT, GC and allocator helpers. */
function byThread(phase: Phase, messages: number): { main: number; writer: number; other: number } {
  const totals = { main: 0, writer: 0, other: 0 };
  for (const [thread, ns] of phase.cpu) {
    const kind = thread === "main" ? "main" : thread.startsWith("Worker:") ? "writer" : "other";
    totals[kind] += ns / 1000 / messages;
  }
  return totals;
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
};

const directory = mkdtempSync(join(tmpdir(), "millrace-floor-"));
const samples = new Map<string, Array<{ main: number; writer: number; other: number; rate: number }>>();
try {
  for (let round = 1; round <= ROUNDS; round++) {
    for (const level of LEVELS) {
      const result = await runner(level)(directory);
      // Publish-only levels leave receiveAck out rather than undefined.
      for (const [phaseName, phase] of Object.entries(result) as Array<[string, Phase]>) {
        const key = `${level} ${phaseName}`;
        const figures = { ...byThread(phase, phase.messages), rate: phase.messages / phase.seconds };
        samples.set(key, [...(samples.get(key) ?? []), figures]);
        console.error(
          `round ${round} ${key}: main ${figures.main.toFixed(2)} µs/msg, writer ${figures.writer.toFixed(2)}, other ${figures.other.toFixed(2)}, ${figures.rate.toFixed(0)} msg/s wall`,
        );
      }
      for (const file of readdirSync(directory)) rmSync(join(directory, file), { force: true });
    }
  }
} finally {
  rmSync(directory, { recursive: true, force: true });
}

console.log(
  `\n${MESSAGES} messages of 256 bytes (${HELD} of them leased and held during receive+ack), ${PUBLISH_SIZE} per publish, leases of ${BATCH}, median of ${ROUNDS} rounds; CPU µs per message by thread` +
    "\n(raw and engine levels run on main alone; at store level 'writer' is the SQLite writer thread;\n 'other' is Bun's JIT, GC and allocator helper threads)\n",
);
console.log("level/phase            main   writer   other   busiest thread → msg/s per core   wall msg/s");
for (const [key, list] of samples) {
  const main = median(list.map((s) => s.main));
  const writer = median(list.map((s) => s.writer));
  const other = median(list.map((s) => s.other));
  const busiest = Math.max(main, writer);
  console.log(
    `${key.padEnd(20)} ${main.toFixed(2).padStart(6)} ${writer.toFixed(2).padStart(8)} ${other.toFixed(2).padStart(7)}   ${(1e6 / busiest).toFixed(0).padStart(28)}   ${median(
      list.map((s) => s.rate),
    )
      .toFixed(0)
      .padStart(10)}`,
  );
}
