import type { Store } from "../../src/storage/store.ts";
import { openTestStore } from "./test-store.ts";

// Helpers for the concurrent conformance cases. A race between instances is a race between
// handles on one database, so these open as many handles as the driver under test can share:
// SQLite serves one process only (the data-directory lock), so it gives one handle and the
// cases race calls on that one; a driver for a shared database (PostgreSQL) offers a second
// handle through `openSecondHandle` on what `openTestStore()` returns, and every case then
// spreads its calls over both, as two instances would.

/** What `openTestStore()` returns, with the optional way to open another instance's handle. */
type OpenedTestStore = Awaited<ReturnType<typeof openTestStore>> & {
  /**
   * Opens another Store on the same database, as a second instance on another machine would.
   * Offered only by drivers whose database several instances share. The handles it returns are
   * closed by `TestDatabase.cleanup`, before the database itself goes.
   */
  openSecondHandle?: () => Promise<Store>;
};

export interface TestDatabase {
  store: Store;
  /** Null when the driver serves one process only (SQLite). */
  openSecondHandle: (() => Promise<Store>) | null;
  /** Closes every handle opened through `openSecondHandle`, then the first one and the database. */
  cleanup: () => Promise<void>;
}

export async function openTestDatabase(): Promise<TestDatabase> {
  const opened: OpenedTestStore = await openTestStore();
  const extra: Store[] = [];
  const openSecond = opened.openSecondHandle;
  return {
    store: opened.store,
    openSecondHandle:
      openSecond === undefined
        ? null
        : async () => {
            const handle = await openSecond();
            extra.push(handle);
            return handle;
          },
    cleanup: async () => {
      for (const handle of extra) await handle.close();
      await opened.cleanup();
    },
  };
}

export interface StoreHandles {
  /** One handle (SQLite) or two on the same database; call `i` of a case goes to `handles[i % length]`. */
  handles: Store[];
  cleanup: () => Promise<void>;
}

/** Every handle the driver can share on one fresh test database. */
export async function openStoreHandles(): Promise<StoreHandles> {
  const database = await openTestDatabase();
  const handles = [database.store];
  if (database.openSecondHandle) handles.push(await database.openSecondHandle());
  return { handles, cleanup: database.cleanup };
}

/**
 * A driver whose database several instances share must let the suite open a second handle, or
 * the cross-instance variants of these cases would silently not run.
 */
export function assertSharedDriversOfferTwoHandles(handles: Store[]): void {
  const first = handles[0];
  if (first === undefined) throw new Error("no store handle was opened");
  if (first.dialect !== "sqlite" && handles.length < 2) {
    throw new Error(
      `the ${first.dialect} driver shares its database between instances, so openTestStore() must offer openSecondHandle`,
    );
  }
}

/** Starts `count` calls at once (none awaits another) and waits for them all; results in call order. */
export function concurrently<T>(count: number, call: (index: number) => Promise<T>): Promise<T[]> {
  return Promise.all(Array.from({ length: count }, (_, index) => call(index)));
}

/** Like `concurrently`, but failures are kept as outcomes instead of ending the wait early. */
export function concurrentlySettled<T>(
  count: number,
  call: (index: number) => Promise<T>,
): Promise<Array<PromiseSettledResult<T>>> {
  return Promise.allSettled(Array.from({ length: count }, (_, index) => call(index)));
}

/** The handle call `index` goes through: round robin, so with two handles half the calls come from each. */
export function handleFor<T>(handles: readonly T[], index: number): T {
  const handle = handles[index % handles.length];
  if (handle === undefined) throw new Error("no store handle was opened");
  return handle;
}

/** The code of a BrokerError-like failure, or the message of anything else (to show in an assertion). */
export function failureCode(reason: unknown): string {
  const code = (reason as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : String(reason);
}
