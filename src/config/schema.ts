import { isAbsolute, resolve } from "node:path";
import { OBSERVABILITY_SETTINGS } from "./observability-settings.ts";
import { boolean, integer, oneOf, parseHostPort } from "./parsers.ts";
import { checkSslMode } from "./ssl-mode.ts";
import { SECURITY_SETTINGS } from "./security-settings.ts";
import { SQS_SETTINGS } from "./sqs-settings.ts";
import { TRACING_SETTINGS } from "./tracing-settings.ts";
import { spec } from "./setting-spec.ts";
import { WEBHOOK_SETTINGS } from "./webhook-settings.ts";

export { parseHostPort } from "./parsers.ts";
export type { SettingSpec } from "./setting-spec.ts";

/**
 * Every setting Millrace reads: its environment variable, its CLI flag, default, unit and doc.
 * The README's configuration table is generated from this list and checked by `readme-table.test.ts`.
 */
const CORE_SETTINGS = {
  listen: spec({
    env: "MILLRACE_LISTEN",
    flag: "--listen",
    doc: "host:port the HTTP API listens on",
    defaultText: "127.0.0.1:7411",
    default: () => ({ host: "127.0.0.1", port: 7411 }),
    parse: parseHostPort,
  }),
  mode: spec({
    env: "MILLRACE_MODE",
    flag: "--mode",
    doc: "api (HTTP only), worker (background delivery only) or all",
    defaultText: "all",
    default: () => "all" as const,
    parse: oneOf("api", "worker", "all"),
  }),
  dataDir: spec({
    env: "MILLRACE_DATA_DIR",
    flag: "--data-dir",
    doc: "directory of the SQLite database; made absolute at start",
    defaultText: "$STATE_DIRECTORY, else ./data",
    // systemd may pass several colon-separated state directories; the first is ours.
    default: (env) => resolve(env.STATE_DIRECTORY?.split(":")[0] || "data"),
    parse: (raw) => {
      if (raw.trim() === "") throw new Error("is empty; give a directory path");
      return isAbsolute(raw) ? raw : resolve(raw);
    },
  }),
  databaseUrl: spec<string | null>({
    env: "MILLRACE_DATABASE_URL",
    flag: "--database-url",
    doc: "postgres://… selects PostgreSQL; unset uses embedded SQLite",
    defaultText: "unset (SQLite)",
    secret: true,
    default: () => null,
    parse: (raw) => {
      if (!/^postgres(ql)?:\/\//.test(raw.trim())) {
        throw new Error("must start with postgres:// or postgresql://; unset it to use the embedded SQLite store");
      }
      checkSslMode(raw.trim());
      return raw.trim();
    },
  }),
  databaseCaFile: spec<string | null>({
    env: "MILLRACE_DATABASE_CA_FILE",
    flag: "--database-ca-file",
    doc: "PostgreSQL only: PEM file of the CA that signed the database server's certificate; needs sslmode=verify-full in the URL",
    defaultText: "unset (the system's CAs)",
    default: () => null,
    parse: (raw) => {
      if (raw.trim() === "") throw new Error("is empty; give the path of a PEM file, or unset it");
      return resolve(raw.trim());
    },
  }),
  databasePoolSize: spec({
    env: "MILLRACE_DATABASE_POOL_SIZE",
    flag: "--database-pool-size",
    doc: "PostgreSQL only: connections this instance keeps in its pool (plus one for LISTEN and one for leadership); keep instances × (pool + 2) below the server's max_connections",
    defaultText: "10",
    default: () => 10,
    parse: integer(1, 500),
  }),
  databaseConnectTimeoutSeconds: spec({
    env: "MILLRACE_DATABASE_CONNECT_TIMEOUT_SECONDS",
    flag: "--database-connect-timeout-seconds",
    doc: "PostgreSQL only: a connection attempt that takes longer fails, and the request gets 503 database_unavailable",
    unit: "seconds",
    defaultText: "5",
    default: () => 5,
    parse: integer(1, 300),
  }),
  databaseStatementTimeoutMs: spec({
    env: "MILLRACE_DATABASE_STATEMENT_TIMEOUT_MS",
    flag: "--database-statement-timeout-ms",
    doc: "PostgreSQL only: the server cancels any one statement that runs longer, and the request gets 503 database_unavailable",
    unit: "ms",
    defaultText: "10000",
    default: () => 10_000,
    parse: integer(100, 600_000),
  }),
  maxPendingWrites: spec({
    env: "MILLRACE_MAX_PENDING_WRITES",
    flag: "--max-pending-writes",
    doc: "database operations allowed to wait (SQLite writer queue, PostgreSQL pool); beyond it publishes get 503 overloaded with Retry-After, so memory stays bounded under overload",
    defaultText: "4096",
    default: () => 4096,
    parse: integer(16, 1_000_000),
  }),
  maxBodyBytes: spec({
    env: "MILLRACE_MAX_BODY_BYTES",
    flag: "--max-body-bytes",
    doc: "largest request body accepted; larger ones get 413",
    unit: "bytes",
    defaultText: "1048576",
    default: () => 1_048_576,
    parse: integer(1024, 256 * 1024 * 1024),
  }),
  idleTimeoutSeconds: spec({
    env: "MILLRACE_IDLE_TIMEOUT_SECONDS",
    flag: "--idle-timeout-seconds",
    doc: "idle keep-alive connections are closed after this; keep it above nginx's upstream keepalive_timeout. Long-polls are exempt",
    unit: "seconds",
    defaultText: "75",
    default: () => 75,
    parse: integer(5, 255),
  }),
  bodyTimeoutSeconds: spec({
    env: "MILLRACE_BODY_TIMEOUT_SECONDS",
    flag: "--body-timeout-seconds",
    doc: "a request body must arrive within this, else 408 and the connection is closed; keep it below the idle timeout, which cuts first",
    unit: "seconds",
    defaultText: "30",
    default: () => 30,
    parse: integer(1, 255),
  }),
  docs: spec({
    env: "MILLRACE_DOCS",
    flag: "--docs",
    doc: "serve the interactive API docs at /docs",
    defaultText: "false",
    default: () => false,
    parse: boolean,
  }),
  ui: spec({
    env: "MILLRACE_UI",
    flag: "--ui",
    doc: "serve the admin console at /ui (it signs in with an API key or JWT, like any client)",
    defaultText: "false",
    default: () => false,
    parse: boolean,
  }),
} as const;

export const SETTINGS = {
  ...CORE_SETTINGS,
  ...SECURITY_SETTINGS,
  ...OBSERVABILITY_SETTINGS,
  ...WEBHOOK_SETTINGS,
  ...SQS_SETTINGS,
  ...TRACING_SETTINGS,
} as const;

export type SettingKey = keyof typeof SETTINGS;
export type Config = { [K in SettingKey]: ReturnType<(typeof SETTINGS)[K]["parse"]> };
