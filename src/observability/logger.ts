import { writeSync } from "node:fs";

export type LogLevel = "debug" | "info" | "warn" | "error";

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface Logger {
  debug(msg: string, context?: Record<string, unknown>): void;
  info(msg: string, context?: Record<string, unknown>): void;
  warn(msg: string, context?: Record<string, unknown>): void;
  error(msg: string, context?: Record<string, unknown>): void;
  isEnabled(level: LogLevel): boolean;
}

/** JSON lines on stdout (journald keeps them): `ts`, `level`, `msg`, then the context fields. */
export function createLogger(minimum: LogLevel, write: (line: string) => void = writeStdout): Logger {
  if (write === writeStdout && !flushOnExitRegistered) {
    flushOnExitRegistered = true;
    process.on("exit", flushLogs);
  }
  const threshold = RANK[minimum];
  const log = (level: LogLevel) => (msg: string, context?: Record<string, unknown>) => {
    if (RANK[level] < threshold) return;
    write(`${JSON.stringify({ ts: new Date().toISOString(), level, msg, ...context })}\n`);
  };
  return {
    debug: log("debug"),
    info: log("info"),
    warn: log("warn"),
    error: log("error"),
    isEnabled: (level) => RANK[level] >= threshold,
  };
}

// Lines are written in batches, one write per event-loop turn: a process.stdout.write per
// access-log line measured about a third of the cost of a whole /health/live request.
let pending: string[] = [];
let flushScheduled = false;
let flushOnExitRegistered = false;

function writeStdout(line: string): void {
  pending.push(line);
  if (!flushScheduled) {
    flushScheduled = true;
    setImmediate(flushLogs);
  }
}

/** Writes out buffered lines now; also runs at process exit, so no line is lost to process.exit. */
export function flushLogs(): void {
  flushScheduled = false;
  if (pending.length === 0) return;
  const text = pending.join("");
  pending = [];
  try {
    // Synchronous, so it also works inside an exit handler.
    writeSync(1, text);
  } catch {
    // A non-blocking stdout that is full: hand it to the stream, which waits for room.
    process.stdout.write(text);
  }
}

export function errorContext(error: unknown): Record<string, unknown> {
  return error instanceof Error ? { error: error.message, stack: error.stack } : { error: String(error) };
}
