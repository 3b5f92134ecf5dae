/// <reference lib="webworker" />
// The durable limit's writer thread: one connection, WAL with synchronous=FULL, and every message
// that arrived during the last commit's fsync goes into the next transaction.
import { Database } from "bun:sqlite";

declare const self: Worker;

let db: Database | null = null;
let insert: ReturnType<Database["prepare"]> | null = null;
let pending: Array<[number, string, string]> = [];
let scheduled = false;

function commit(): void {
  scheduled = false;
  const batch = pending;
  pending = [];
  db!.run("BEGIN IMMEDIATE");
  for (const [id, queue, body] of batch) insert!.run(id, queue, body);
  db!.run("COMMIT");
  self.postMessage(batch.map(([id]) => id));
}

self.onmessage = (event: MessageEvent<{ open: string } | [number, string, string]>) => {
  const message = event.data;
  if ("open" in message) {
    db = new Database(message.open, { create: true });
    db.run("PRAGMA journal_mode = WAL");
    db.run("PRAGMA synchronous = FULL");
    db.run("CREATE TABLE IF NOT EXISTS messages (id INTEGER PRIMARY KEY, queue TEXT NOT NULL, body TEXT NOT NULL)");
    insert = db.prepare("INSERT INTO messages (id, queue, body) VALUES (?, ?, ?)");
    return;
  }
  pending.push(message);
  if (!scheduled) {
    scheduled = true;
    setImmediate(commit);
  }
};
