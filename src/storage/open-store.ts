import { SqliteStore } from "./sqlite/sqlite-store.ts";
import type { Store } from "./store.ts";

export interface StoreLocation {
  /** postgres://… selects PostgreSQL; null selects SQLite. */
  databaseUrl: string | null;
  /** Absolute path of the SQLite file. */
  sqlitePath: string;
}

export interface OpenedStore {
  store: Store;
  migrationsApplied: string[];
}

export interface StoreEvents {
  onFatal?: (error: Error) => void;
  onDiskFull?: (databaseError: string) => void;
  onDiskRecovered?: () => void;
}

export async function openStore(location: StoreLocation, events: StoreEvents = {}): Promise<OpenedStore> {
  if (location.databaseUrl !== null) {
    throw new Error(
      "PostgreSQL storage is not available in this build yet; unset MILLRACE_DATABASE_URL to use the embedded SQLite store",
    );
  }
  return SqliteStore.open({ path: location.sqlitePath, ...events });
}
