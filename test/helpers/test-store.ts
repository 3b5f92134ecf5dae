import { SQL } from "bun";
import { Database } from "bun:sqlite";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { NewMessage, QueueStats } from "../../src/domain/message.ts";
import { openStore } from "../../src/storage/open-store.ts";
import type { Store } from "../../src/storage/store.ts";

/** The server the PostgreSQL runs use; scripts/ensure-postgres starts it (trust auth for postgres locally). */
const POSTGRES_ADMIN_URL = process.env.MILLRACE_TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";

/**
 * The one switch that picks the driver for the conformance suite:
 * MILLRACE_TEST_STORE=sqlite (default) or postgres (a fresh database per call on the server at
 * MILLRACE_TEST_DATABASE_URL, dropped again in cleanup).
 */
export async function openTestStore(): Promise<{
  store: Store;
  cleanup: () => Promise<void>;
  /** Only drivers whose database several instances share (see test/helpers/concurrency.ts). */
  openSecondHandle?: () => Promise<Store>;
  /** The queue's stats counted the slow way, by a scan of its messages (what stats() must equal). */
  countByScan: (queue: string, now: number) => Promise<QueueStats>;
}> {
  const driver = process.env.MILLRACE_TEST_STORE ?? "sqlite";
  if (driver === "postgres") return openPostgresTestStore();
  if (driver !== "sqlite") {
    throw new Error(`MILLRACE_TEST_STORE=${driver} is not a driver this build has; use sqlite or postgres`);
  }
  const dir = mkdtempSync(join(tmpdir(), "millrace-store-"));
  const path = join(dir, "millrace.db");
  const { store } = await openStore({ databaseUrl: null, sqlitePath: path });
  // A reader of its own: WAL lets it see what the writer thread committed.
  const reader = new Database(path, { readonly: true });
  return {
    store,
    countByScan: async (queue, now) =>
      Promise.resolve(
        toScanStats(reader.query<ScanRow, [number, string]>(countByScanSql("?1", "?2")).get(now, queue), now),
      ),
    cleanup: async () => {
      reader.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A database of its own, so test files running at once never share tables. */
export async function createTestDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `millrace_test_${randomBytes(6).toString("hex")}`;
  const admin = new SQL({ url: POSTGRES_ADMIN_URL, max: 1 });
  // An identifier cannot be a parameter; `name` is made here of [a-z0-9_] only.
  await admin.unsafe(`CREATE DATABASE ${name}`).catch(async (error: unknown) => {
    await admin.close();
    throw new Error(
      `cannot create a test database on ${POSTGRES_ADMIN_URL} (${(error as Error).message}); run scripts/ensure-postgres, or set MILLRACE_TEST_DATABASE_URL to a superuser URL`,
    );
  });
  const url = new URL(POSTGRES_ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      await admin.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.close();
    },
  };
}

async function openPostgresTestStore(): Promise<{
  store: Store;
  cleanup: () => Promise<void>;
  openSecondHandle: () => Promise<Store>;
  countByScan: (queue: string, now: number) => Promise<QueueStats>;
}> {
  const database = await createTestDatabase();
  const { store } = await openStore({ databaseUrl: database.url, sqlitePath: "" });
  const reader = new SQL({ url: database.url, max: 1 });
  return {
    store,
    countByScan: async (queue, now) => {
      const rows = await reader.unsafe<ScanRow[]>(countByScanSql("$1", "$2"), [now, queue]);
      return toScanStats(rows[0] ?? null, now);
    },
    // Another instance on the same database: its own pool, LISTEN connection, clock and leadership.
    openSecondHandle: async () => (await openStore({ databaseUrl: database.url, sqlitePath: "" })).store,
    cleanup: async () => {
      await reader.close();
      await store.close();
      await database.drop();
    },
  };
}

let counter = 0;
/** A unique queue name per test, so tests in one file never see each other's messages. */
export function uniqueName(prefix = "q"): string {
  counter += 1;
  return `${prefix}-${counter}-${Math.random().toString(36).slice(2, 8)}`;
}

export function message(body: unknown, overrides: Partial<NewMessage> = {}): NewMessage {
  return {
    body: JSON.stringify(body),
    bodyIsBinary: false,
    headers: null,
    priority: 0,
    availableAt: 0,
    groupId: null,
    dedupId: null,
    ...overrides,
  };
}

/** Awaits a promise that must fail with a BrokerError of `code`; returns the error. */
export async function expectBrokerError(
  promise: Promise<unknown>,
  code: string,
): Promise<{ code: string; status: number }> {
  let caught: unknown = null;
  try {
    await promise;
  } catch (error) {
    caught = error;
  }
  if (caught === null) throw new Error(`expected the call to fail with ${code}, but it succeeded`);
  const { code: actual, status } = caught as { code?: string; status?: number };
  if (actual !== code)
    throw new Error(`expected error code ${code}, got ${String(actual)}: ${(caught as Error).message}`);
  return { code: actual, status: status ?? 0 };
}

/**
 * Stats by a scan of every message of the queue, in SQL both drivers read; the arguments are the
 * driver's placeholders for now and the queue.
 */
function countByScanSql(now: "?1" | "$1", queue: "?2" | "$2"): string {
  return `SELECT
  COUNT(CASE WHEN state = 0 AND available_at <= ${now} THEN 1 END) AS ready,
  COUNT(CASE WHEN state = 0 AND available_at > ${now} THEN 1 END) AS delayed,
  COUNT(CASE WHEN state = 1 THEN 1 END) AS leased,
  COUNT(CASE WHEN state = 2 THEN 1 END) AS dead,
  COUNT(CASE WHEN state = 3 THEN 1 END) AS grouped,
  MIN(CASE WHEN state = 0 AND available_at <= ${now} THEN available_at END) AS oldest
  FROM messages WHERE queue = ${queue}`;
}

interface ScanRow {
  ready: number | string;
  delayed: number | string;
  leased: number | string;
  dead: number | string;
  grouped: number | string;
  oldest: number | string | null;
}

/** PostgreSQL answers COUNT and bigint columns as strings. */
function toScanStats(row: ScanRow | null, now: number): QueueStats {
  return {
    ready: Number(row?.ready ?? 0),
    delayed: Number(row?.delayed ?? 0),
    leased: Number(row?.leased ?? 0),
    dead: Number(row?.dead ?? 0),
    grouped: Number(row?.grouped ?? 0),
    oldestReadyAgeSeconds: row?.oldest == null ? 0 : Math.max(0, (now - Number(row.oldest)) / 1000),
  };
}
