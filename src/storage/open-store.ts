import { PostgresStore } from "./postgres/postgres-store.ts";
import { SqliteStore } from "./sqlite/sqlite-store.ts";
import type { Store } from "./store.ts";

export interface StoreLocation {
  /** postgres://… selects PostgreSQL; null selects SQLite. */
  databaseUrl: string | null;
  /** Absolute path of the SQLite file. */
  sqlitePath: string;
  /** PostgreSQL only; defaults below. */
  postgres?: Partial<PostgresSettings>;
}

export interface PostgresSettings {
  poolSize: number;
  connectTimeoutSeconds: number;
  statementTimeoutMs: number;
  /** MILLRACE_DATABASE_CA_FILE; null: the system's CAs. */
  caFile: string | null;
}

const POSTGRES_DEFAULTS: PostgresSettings = {
  poolSize: 10,
  connectTimeoutSeconds: 5,
  statementTimeoutMs: 10_000,
  caFile: null,
};

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
    return PostgresStore.open({ url: location.databaseUrl, ...POSTGRES_DEFAULTS, ...location.postgres });
  }
  return SqliteStore.open({ path: location.sqlitePath, ...events });
}
