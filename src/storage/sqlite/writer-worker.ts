/// <reference lib="webworker" />
// The SQLite writer thread. It owns the only connection and applies operations in batches:
// every batch that arrived while the previous commit was being fsynced goes into one
// transaction (group commit), and results go back only after COMMIT returns. The main thread
// keeps serving HTTP, and keeps sending batches, while this thread waits on the disk.
import type { Database } from "bun:sqlite";
import { BrokerError } from "../../domain/errors.ts";
import { openSqliteDatabase } from "./context.ts";
import { SqliteEngine, type Aggregate } from "./engine.ts";
import { migrateSqlite } from "./migrate.ts";
import type { FromWriter, Operation, OperationResult, ToWriter } from "./protocol.ts";

declare const self: Worker;

let db: Database | null = null;
let engine: SqliteEngine | null = null;
/** Batches received but not yet committed; drained together by `commitPending`. */
let pending: Operation[][] = [];
let commitScheduled = false;

function reply(message: FromWriter): void {
  self.postMessage(JSON.stringify(message));
}

function serializeError(error: unknown): OperationResult {
  if (error instanceof BrokerError) return { ok: false, error: error.toJSON() };
  const message = error instanceof Error ? error.message : String(error);
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
  if (op === "ping") return target.ping();
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
  });
}

function runBatch(target: SqliteEngine, connection: Database, ops: Operation[]): OperationResult[] {
  const savepoint = connection.query("SAVEPOINT op");
  const release = connection.query("RELEASE op");
  const rollbackOp = connection.query("ROLLBACK TO op");
  connection.run("BEGIN IMMEDIATE");
  const results = ops.map((operation): OperationResult => {
    // Each operation is atomic on its own: a failing one is undone without touching its neighbours.
    savepoint.run();
    try {
      const value = execute(target, operation);
      release.run();
      return { ok: true, value };
    } catch (error) {
      rollbackOp.run();
      release.run();
      return serializeError(error);
    }
  });
  try {
    connection.run("COMMIT");
    return results;
  } catch (error) {
    if (connection.inTransaction) connection.run("ROLLBACK");
    const failure = serializeError(error);
    return results.map(() => failure);
  }
}

self.onmessage = (event: MessageEvent<string>) => {
  const message = JSON.parse(event.data) as ToWriter;
  switch (message.type) {
    case "open":
      try {
        db = openSqliteDatabase(message.path);
        const migrationsApplied = migrateSqlite(db);
        engine = new SqliteEngine(db);
        reply({ type: "opened", migrationsApplied });
      } catch (error) {
        reply({ type: "fatal", message: error instanceof Error ? error.message : String(error) });
      }
      return;
    case "batch":
      pending.push(message.ops);
      // setImmediate runs after the messages already queued, so every batch that arrived
      // during the last commit joins this one.
      if (!commitScheduled) {
        commitScheduled = true;
        setImmediate(commitPending);
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
