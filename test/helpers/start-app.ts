import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { App } from "../../src/app.ts";
import { loadConfig } from "../../src/config/load.ts";
import { createLogger } from "../../src/observability/logger.ts";

export interface RunningApp {
  app: App;
  url: string;
  dataDir: string;
  /** The raw log text, for grepping. */
  logText: () => string;
  stop: () => Promise<void>;
}

/**
 * Starts the real App (real SQLite in a temp dir, real HTTP on a free port) with the given
 * MILLRACE_* overrides, capturing its JSON log lines.
 */
export async function startApp(env: Record<string, string> = {}): Promise<RunningApp> {
  const dataDir = mkdtempSync(join(tmpdir(), "millrace-app-"));
  const config = loadConfig({
    env: {
      MILLRACE_DATA_DIR: dataDir,
      MILLRACE_LISTEN: "127.0.0.1:0",
      MILLRACE_SHUTDOWN_DELAY_SECONDS: "0",
      MILLRACE_LOG_LEVEL: "debug",
      ...env,
    },
    flags: {},
  });
  const lines: string[] = [];
  const app = new App(
    config,
    createLogger(config.logLevel, (line) => lines.push(line)),
  );
  try {
    await app.start();
  } catch (error) {
    await app.stop();
    rmSync(dataDir, { recursive: true, force: true });
    throw error;
  }
  return {
    app,
    url: config.mode === "worker" ? "" : app.url,
    dataDir,
    logText: () => lines.join(""),
    stop: async () => {
      await app.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Parsed log lines of a running app. */
export function parsedLogs(running: RunningApp): Array<Record<string, unknown>> {
  return running
    .logText()
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

/** The error code of a JSON error response. */
export async function errorCode(response: Response): Promise<string> {
  const body = (await response.json()) as { error?: { code?: string } };
  return body.error?.code ?? "(no error code)";
}

/** A small JSON client for tests: returns status, parsed body and headers. */
export function client(baseUrl: string) {
  return async function call(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<{ status: number; body: any; headers: Headers }> {
    const response = await fetch(`${baseUrl}${path}`, {
      method,
      headers: { "content-type": "application/json", ...headers },
      ...(body === undefined ? {} : { body: typeof body === "string" ? body : JSON.stringify(body) }),
    });
    const text = await response.text();
    let parsed: unknown = null;
    try {
      parsed = text === "" ? null : JSON.parse(text);
    } catch {
      parsed = text;
    }
    return { status: response.status, body: parsed, headers: response.headers };
  };
}
