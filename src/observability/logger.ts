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

function writeStdout(line: string): void {
  process.stdout.write(line);
}

export function errorContext(error: unknown): Record<string, unknown> {
  return error instanceof Error ? { error: error.message, stack: error.stack } : { error: String(error) };
}
