import { boolean, integer, parseHostPort, type HostPort } from "./parsers.ts";
import { spec } from "./setting-spec.ts";

/** Metrics, logs and the shutdown sequence (DESIGN §6). */
export const OBSERVABILITY_SETTINGS = {
  logLevel: spec({
    env: "MILLRACE_LOG_LEVEL",
    flag: "--log-level",
    doc: "lowest level written: debug, info, warn or error",
    defaultText: "info",
    default: () => "info" as const,
    parse: (raw: string) => {
      const value = raw.trim().toLowerCase();
      if (value !== "debug" && value !== "info" && value !== "warn" && value !== "error") {
        throw new Error(`"${raw}" is not one of debug, info, warn, error`);
      }
      return value;
    },
  }),
  accessLog: spec({
    env: "MILLRACE_ACCESS_LOG",
    flag: "--access-log",
    doc: "write one info line per HTTP request",
    defaultText: "true",
    default: () => true,
    parse: boolean,
  }),
  metrics: spec({
    env: "MILLRACE_METRICS",
    flag: "--metrics",
    doc: "serve Prometheus metrics at /metrics",
    defaultText: "true",
    default: () => true,
    parse: boolean,
  }),
  metricsListen: spec<HostPort | null>({
    env: "MILLRACE_METRICS_LISTEN",
    flag: "--metrics-listen",
    doc: "separate host:port for /metrics (and /health); unset serves them on the API port",
    defaultText: "unset",
    default: () => null,
    parse: parseHostPort,
  }),
  statsIntervalSeconds: spec({
    env: "MILLRACE_STATS_INTERVAL_SECONDS",
    flag: "--stats-interval-seconds",
    doc: "how often per-queue gauges are refreshed from the database",
    unit: "seconds",
    defaultText: "5",
    default: () => 5,
    parse: integer(1, 3600),
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
  shutdownDelaySeconds: spec({
    env: "MILLRACE_SHUTDOWN_DELAY_SECONDS",
    flag: "--shutdown-delay-seconds",
    doc: "on SIGTERM, readiness answers 503 this long before the listener closes, so load balancers stop sending; part of the shutdown timeout",
    unit: "seconds",
    defaultText: "1",
    default: () => 1,
    parse: integer(0, 600),
  }),
} as const;
