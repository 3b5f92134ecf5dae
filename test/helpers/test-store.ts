import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { NewMessage } from "../../src/domain/message.ts";
import { openStore } from "../../src/storage/open-store.ts";
import type { Store } from "../../src/storage/store.ts";

/**
 * The one switch that picks the driver for the conformance suite:
 * MILLRACE_TEST_STORE=sqlite (default) or postgres (uses MILLRACE_TEST_DATABASE_URL).
 */
export async function openTestStore(): Promise<{ store: Store; cleanup: () => Promise<void> }> {
  const driver = process.env.MILLRACE_TEST_STORE ?? "sqlite";
  if (driver !== "sqlite") {
    throw new Error(`MILLRACE_TEST_STORE=${driver} is not a driver this build has; use sqlite`);
  }
  const dir = mkdtempSync(join(tmpdir(), "millrace-store-"));
  const { store } = await openStore({ databaseUrl: null, sqlitePath: join(dir, "millrace.db") });
  return {
    store,
    cleanup: async () => {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
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
