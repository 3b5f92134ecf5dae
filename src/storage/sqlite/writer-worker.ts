/// <reference lib="webworker" />
// The SQLite writer thread. It owns the only connection and applies operations in batches:
// every batch that arrived while the previous commit was being fsynced goes into one
// transaction (group commit), and results go back only after COMMIT returns. The main thread
// keeps serving HTTP, and keeps sending batches, while this thread waits on the disk.
import type { Database } from "bun:sqlite";
import { dirname } from "node:path";
import { BrokerError } from "../../domain/errors.ts";
import { openSqliteDatabase } from "./context.ts";
import { diskFullError, hasHeadroom, isDiskFullError } from "./disk-full.ts";
import { SqliteEngine, type Aggregate } from "./engine.ts";
import { migrateSqlite } from "./migrate.ts";
import { decodeBatch, type FromWriter, type Operation, type OperationResult, type ToWriter } from "./protocol.ts";

declare const self: Worker;

let db: Database | null = null;
let engine: SqliteEngine | null = null;
/** Batches received but not yet committed; drained together by `commitPending`. */
let pending: Operation[][] = [];
let commitScheduled = false;
let dataDirectory = ".";
/** True from the first write refused for lack of space until a write commits again. */
let diskFull = false;

function reply(message: FromWriter): void {
  self.postMessage(JSON.stringify(message));
}

function serializeError(error: unknown): OperationResult {
  if (error instanceof BrokerError) return { ok: false, error: error.toJSON() };
  const message = error instanceof Error ? error.message : String(error);
  if (isDiskFullError(error, dataDirectory)) {
    // Told once per episode (the main thread logs it); each client gets the 507 without internals.
    if (!diskFull) reply({ type: "disk", full: true, error: message });
    diskFull = true;
    return { ok: false, error: diskFullError().toJSON() };
  }
  return {
    ok: false,
    error: {
      code: "storage_error",
      status: 500,
      message: `the database failed: ${message}; check disk space and the journal`,
    },
  };
}

function execute(target: SqliteEngine, [op, args]: Operation): unknown {
  // Publishes leave their rows pending so those committed together share INSERT statements;
  // every other operation may read the messages table, so they go in first.
  if (op !== "messages.publish") target.flushWrites();
  if (op === "ping") return target.ping();
  if (op === "probeWrite") return target.probeWrite();
  const [aggregate, method] = op.split(".") as [Aggregate, string];
  const receiver = target[aggregate] as unknown as Record<string, unknown>;
  const fn = receiver[method];
  if (typeof fn !== "function") throw new Error(`unknown storage operation ${op}`);
  return (fn as (...a: unknown[]) => unknown).apply(receiver, args);
}

function commitPending(): void {
  commitScheduled = false;
  const batches = pending;
  pending = [];
  if (!engine || !db) {
    reply({ type: "fatal", message: "the database is not open" });
    return;
  }
  const results = runBatch(engine, db, batches.flat());
  let offset = 0;
  reply({
    type: "results",
    batches: batches.map((batch) => results.slice(offset, (offset += batch.length))),
    ready: engine.takeReady(),
  });
}

function runBatch(target: SqliteEngine, connection: Database, ops: Operation[]): OperationResult[] {
  try {
    const changesBefore = diskFull ? totalChanges(connection) : 0;
    const results = runInTransaction(target, connection, ops);
    // A committed batch that changed rows shows that writes fit again, if there is room to go on.
    if (
      diskFull &&
      results.some((result) => result.ok) &&
      totalChanges(connection) > changesBefore &&
      hasHeadroom(dataDirectory)
    ) {
      diskFull = false;
      reply({ type: "disk", full: false, error: null });
    }
    return results;
  } catch (error) {
    // Nothing of this batch is committed (BEGIN failed, or the transaction was lost): fail all of it.
    if (connection.inTransaction) rollbackQuietly(connection);
    target.forgetCaches();
    const failure = serializeError(error);
    return ops.map(() => failure);
  }
}

/**
 * Runs the batch without savepoints, and only when one of its operations throws, rolls the whole
 * transaction back and runs it again with a savepoint around each operation. Operations rarely
 * fail, and the two statements of a savepoint cost about as much as a publish's INSERT: skipping
 * them cut the writer thread's CPU per single publish from 28 to 23 µs and per acked message from
 * 37 to 35 µs (scripts/bench --quick, medians of 3; bench/results/2026-11-24-16-13-10.json → next).
 * Nothing of the first attempt is reported, and ids and notes are drawn again, so it leaves no trace.
 */
function runInTransaction(target: SqliteEngine, connection: Database, ops: Operation[]): OperationResult[] {
  connection.run("BEGIN IMMEDIATE");
  let results: OperationResult[];
  try {
    results = ops.map((operation) => ({ ok: true, value: execute(target, operation) }));
    target.flushWrites();
  } catch {
    if (connection.inTransaction) connection.run("ROLLBACK");
    target.forgetCaches();
    return runWithSavepoints(target, connection, ops);
  }
  connection.run("COMMIT");
  return results;
}

function runWithSavepoints(target: SqliteEngine, connection: Database, ops: Operation[]): OperationResult[] {
  const savepoint = connection.query("SAVEPOINT op");
  const release = connection.query("RELEASE op");
  const rollbackOp = connection.query("ROLLBACK TO op");
  connection.run("BEGIN IMMEDIATE");
  const results: OperationResult[] = [];
  for (const operation of ops) {
    // Each operation is atomic on its own: a failing one is undone without touching its neighbours.
    savepoint.run();
    const mark = target.readyMark();
    try {
      const value = execute(target, operation);
      // Inside the savepoint, so that a failing insert is this operation's failure alone.
      target.flushWrites();
      release.run();
      results.push({ ok: true, value });
    } catch (error) {
      target.dropReadySince(mark);
      target.discardWrites();
      // SQLITE_FULL and I/O errors may roll back the whole transaction by themselves; then the
      // operations that succeeded before are undone too and must not be reported as done.
      if (!connection.inTransaction) throw error;
      rollbackOp.run();
      release.run();
      results.push(serializeError(error));
    }
  }
  connection.run("COMMIT");
  return results;
}

function totalChanges(connection: Database): number {
  return connection.query<{ n: number }, []>("SELECT total_changes() AS n").get()?.n ?? 0;
}

function rollbackQuietly(connection: Database): void {
  try {
    connection.run("ROLLBACK");
  } catch {
    // Already rolled back by SQLite; the batch is answered as failed either way.
  }
}

function onBatch(ops: Operation[]): void {
  pending.push(ops);
  // setImmediate runs after the messages already queued, so every batch that arrived
  // during the last commit joins this one.
  if (!commitScheduled) {
    commitScheduled = true;
    setImmediate(commitPending);
  }
}

self.onmessage = (event: MessageEvent<string>) => {
  if (!event.data.startsWith("{")) {
    onBatch(decodeBatch(event.data));
    return;
  }
  const message = JSON.parse(event.data) as ToWriter;
  switch (message.type) {
    case "open":
      try {
        dataDirectory = dirname(message.path);
        db = openSqliteDatabase(message.path);
        const migrationsApplied = migrateSqlite(db);
        engine = new SqliteEngine(db);
        reply({ type: "opened", migrationsApplied });
      } catch (error) {
        reply({ type: "fatal", message: error instanceof Error ? error.message : String(error) });
      }
      return;
    case "close":
      db?.close();
      db = null;
      engine = null;
      reply({ type: "closed" });
      return;
  }
};
