import { BrokerError } from "../../domain/errors.ts";
import { describeTlsFailure, isTlsFailure } from "./tls.ts";

// SQLSTATE classes that mean "the database cannot serve us right now", not "this request is
// wrong": connection exceptions (08), operator intervention incl. statement timeout and shutdown
// (57), insufficient resources (53), and a read-only server (25006, e.g. a standby after failover).
const UNAVAILABLE_CLASSES = ["08", "57", "53"];
const UNAVAILABLE_STATES = new Set(["25006"]);

export function isDatabaseUnavailable(error: unknown): boolean {
  if (error instanceof BrokerError || typeof error !== "object" || error === null) return false;
  const { code, errno, severity } = error as { code?: unknown; errno?: unknown; severity?: unknown };
  // FATAL ends the session (a refused login, a database not accepting connections, shutdown):
  // the server cannot serve us now, whatever the state code.
  if (severity === "FATAL" || severity === "PANIC") return true;
  if (typeof errno === "string" && (UNAVAILABLE_STATES.has(errno) || UNAVAILABLE_CLASSES.includes(errno.slice(0, 2)))) {
    return true;
  }
  // A certificate the client refuses: the server cannot be used until an operator fixes TLS.
  if (isTlsFailure(error)) return true;
  // Client-side failures: refused, closed, timed out, TLS; Bun names them ERR_POSTGRES_CONNECTION_*.
  return typeof code === "string" && /CONNECTION|TIMEOUT|ECONNREFUSED|ECONNRESET|TLS|SOCKET/.test(code);
}

export function databaseUnavailable(cause: unknown): BrokerError {
  const reason = describeTlsFailure(cause) ?? (cause instanceof Error ? cause.message : String(cause));
  return new BrokerError(
    "database_unavailable",
    503,
    `the PostgreSQL database is not answering (${reason}); retry shortly, and if it persists check that PostgreSQL is running and reachable at MILLRACE_DATABASE_URL`,
    undefined,
    1,
  );
}

/** Turns connection and timeout failures into a 503 the client can retry; everything else passes through. */
export function mapDatabaseError(error: unknown): unknown {
  return isDatabaseUnavailable(error) ? databaseUnavailable(error) : error;
}
