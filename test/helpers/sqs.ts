import { SQSClient } from "@aws-sdk/client-sqs";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generateAccessKey } from "../../src/auth/access-key-format.ts";
import { generateKey } from "../../src/auth/api-key-format.ts";
import type { Scope } from "../../src/auth/principal.ts";
import { startApp, type RunningApp } from "./start-app.ts";
import { createTestDatabase } from "./test-store.ts";

export type Driver = "sqlite" | "postgres";

export interface AccessKey {
  accessKeyId: string;
  secretAccessKey: string;
}

export interface SqsApp {
  running: RunningApp;
  sqsUrl: string;
  /** Keys by label, as given to startSqsApp. */
  keys: Record<string, AccessKey>;
  /** The keys file the server reads (append lines, then reload). */
  keysFile: string;
  /** A v1 API key with every scope on every queue. */
  apiKey: string;
  /** A JS SDK client in its default configuration apart from endpoint, region and credentials. */
  client: (label?: string) => SQSClient;
  stop: () => Promise<void>;
}

/**
 * A real App with the SQS listener on a free port, API-key auth, and SQS access keys with the
 * given scopes and queue patterns (label "admin" always exists with every scope on "*"), on the
 * chosen driver (PostgreSQL: a fresh database, dropped at stop).
 */
export async function startSqsApp(
  driver: Driver,
  extraKeys: Record<string, { scopes: Scope[]; queues: string[] }> = {},
  env: Record<string, string> = {},
): Promise<SqsApp> {
  const dir = mkdtempSync(join(tmpdir(), "millrace-sqs-"));
  const specs = { admin: { scopes: ["publish", "consume", "admin"] as Scope[], queues: ["*"] }, ...extraKeys };
  const keys: Record<string, AccessKey> = {};
  const lines: string[] = [];
  for (const [label, spec] of Object.entries(specs)) {
    const key = generateAccessKey(spec.scopes, spec.queues, label);
    keys[label] = { accessKeyId: key.accessKeyId, secretAccessKey: key.secret };
    lines.push(key.line);
  }
  const api = generateKey(["publish", "consume", "admin"], ["*"], "v1");
  lines.push(api.line);
  writeFileSync(join(dir, "keys"), `${lines.join("\n")}\n`, { mode: 0o600 });
  const database = driver === "postgres" ? await createTestDatabase() : null;
  const running = await startApp({
    MILLRACE_AUTH: "api-key",
    MILLRACE_API_KEYS_FILE: join(dir, "keys"),
    MILLRACE_SQS_LISTEN: "127.0.0.1:0",
    MILLRACE_LOG_LEVEL: "warn",
    ...(database ? { MILLRACE_DATABASE_URL: database.url } : {}),
    ...env,
  });
  const sqsUrl = running.app.sqsUrl;
  return {
    running,
    sqsUrl,
    keys,
    keysFile: join(dir, "keys"),
    apiKey: api.key,
    client: (label = "admin") => new SQSClient({ endpoint: sqsUrl, region: "us-east-1", credentials: keys[label]! }),
    stop: async () => {
      await running.stop();
      await database?.drop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
