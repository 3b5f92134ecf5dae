import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { App } from "../../src/app.ts";
import { loadConfig } from "../../src/config/load.ts";
import { createLogger } from "../../src/observability/logger.ts";

export interface TestServer {
  url: string;
  dataDir: string;
  stop: () => Promise<void>;
}

/** Starts the real app in this process on an ephemeral port with a fresh data directory. */
export async function startTestServer(env: Record<string, string> = {}): Promise<TestServer> {
  const dataDir = mkdtempSync(join(tmpdir(), "millrace-it-"));
  const config = loadConfig({
    env: { MILLRACE_LISTEN: "127.0.0.1:0", MILLRACE_DATA_DIR: dataDir, MILLRACE_LOG_LEVEL: "error", ...env },
    flags: {},
  });
  const app = new App(config, createLogger(config.logLevel));
  try {
    await app.start();
  } catch (error) {
    await app.stop();
    rmSync(dataDir, { recursive: true, force: true });
    throw error;
  }
  return {
    url: app.url,
    dataDir,
    stop: async () => {
      await app.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
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
