import { isAbsolute, resolve } from "node:path";

/**
 * Every setting Millrace reads: its environment variable, its CLI flag, default, unit and doc.
 * `parse` turns the raw text into a value or throws an Error whose message says how to fix it.
 * The README's configuration table is checked against this list by `schema.test.ts`.
 */
export interface SettingSpec<T> {
  env: string;
  flag: string;
  doc: string;
  unit?: string;
  /** Shown in docs; computed defaults describe themselves here. */
  defaultText: string;
  /** Secrets are redacted by `millrace config` and may come from `<ENV>_FILE` or a credential. */
  secret?: boolean;
  default: (env: Readonly<Record<string, string | undefined>>) => T;
  parse: (raw: string) => T;
}

function spec<T>(s: SettingSpec<T>): SettingSpec<T> {
  return s;
}

export function parseHostPort(raw: string): { host: string; port: number } {
  const match = /^(\[[0-9a-fA-F:.]+\]|[^:\s]+):(\d{1,5})$/.exec(raw.trim());
  const port = match ? Number(match[2]) : NaN;
  if (!match || port > 65535) throw new Error(`"${raw}" is not host:port; write it like 127.0.0.1:7411 or [::1]:7411`);
  return { host: match[1]!.replace(/^\[|\]$/g, ""), port };
}

function integer(min: number, max: number): (raw: string) => number {
  return (raw) => {
    const value = Number(raw.trim());
    if (!/^\d+$/.test(raw.trim()) || !Number.isSafeInteger(value) || value < min || value > max) {
      throw new Error(`"${raw}" is not a whole number from ${min} to ${max}`);
    }
    return value;
  };
}

function oneOf<T extends string>(...allowed: T[]): (raw: string) => T {
  return (raw) => {
    const value = raw.trim().toLowerCase();
    if (!(allowed as string[]).includes(value)) throw new Error(`"${raw}" is not one of ${allowed.join(", ")}`);
    return value as T;
  };
}

function boolean(raw: string): boolean {
  const value = raw.trim().toLowerCase();
  if (["true", "1", "yes", "on"].includes(value)) return true;
  if (["false", "0", "no", "off"].includes(value)) return false;
  throw new Error(`"${raw}" is not a boolean; use true or false`);
}

export const SETTINGS = {
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
      return raw.trim();
    },
  }),
  logLevel: spec({
    env: "MILLRACE_LOG_LEVEL",
    flag: "--log-level",
    doc: "lowest level written: debug, info, warn or error",
    defaultText: "info",
    default: () => "info" as const,
    parse: oneOf("debug", "info", "warn", "error"),
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
  shutdownTimeoutSeconds: spec({
    env: "MILLRACE_SHUTDOWN_TIMEOUT_SECONDS",
    flag: "--shutdown-timeout-seconds",
    doc: "how long SIGTERM may drain requests before the process exits anyway",
    unit: "seconds",
    defaultText: "30",
    default: () => 30,
    parse: integer(1, 3600),
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
  docs: spec({
    env: "MILLRACE_DOCS",
    flag: "--docs",
    doc: "serve the interactive API docs at /docs",
    defaultText: "false",
    default: () => false,
    parse: boolean,
  }),
} as const;

export type SettingKey = keyof typeof SETTINGS;
export type Config = { [K in SettingKey]: ReturnType<(typeof SETTINGS)[K]["parse"]> };
