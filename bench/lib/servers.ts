// Starting and stopping what the bench measures: the reference servers, Millrace (source or
// compiled binary, on SQLite or PostgreSQL), a Redis of its own for BullMQ, fresh databases.
import type { Subprocess } from "bun";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createTestDatabase } from "../../test/helpers/test-store.ts";
import { ROOT, waitReady } from "./measure.ts";

export interface Running {
  pid: number;
  base: string;
  startupMs: number;
  stop(): Promise<void>;
}

async function stopChild(child: Subprocess, cleanup?: () => void): Promise<void> {
  child.kill();
  await child.exited;
  cleanup?.();
}

/** One of the reference servers in bench/: reference-server.ts (Elysia), bare-server.ts, durable-limit/server.ts. */
// Every server gets a free port: two benches at once on fixed ports would each wait for "ready"
// on the other's server and measure it.
export async function startReference(script: string, port = freePort()): Promise<Running> {
  const dir = mkdtempSync(join(tmpdir(), "millrace-bench-ref-"));
  const child = Bun.spawn([process.execPath, join("bench", script)], {
    cwd: ROOT,
    env: { ...process.env, PORT: String(port), DB_PATH: join(dir, "limit.db") },
    stdout: "ignore",
    stderr: "inherit",
  });
  const base = `http://127.0.0.1:${port}`;
  const startupMs = await waitReady(`${base}/`, child, null);
  return {
    pid: child.pid,
    base,
    startupMs,
    stop: () => stopChild(child, () => rmSync(dir, { recursive: true, force: true })),
  };
}

export interface MillraceOptions {
  databaseUrl?: string;
  /** The compiled binary instead of `bun src/main.ts`. */
  binary?: string;
  /** An existing data directory (kept); otherwise a fresh one, removed at stop. */
  dataDir?: string;
  /** Another checkout to run `src/main.ts` from (A/B comparisons); this one by default. */
  root?: string;
  /** More settings for the server's environment. */
  env?: Record<string, string>;
}

export async function startMillrace(options: MillraceOptions = {}): Promise<Running> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), "millrace-bench-"));
  const command = options.binary ? [options.binary, "serve"] : [process.execPath, "src/main.ts", "serve"];
  const port = freePort();
  const env: Record<string, string | undefined> = {
    ...process.env,
    MILLRACE_LISTEN: `127.0.0.1:${port}`,
    MILLRACE_DATA_DIR: dataDir,
    MILLRACE_LOG_LEVEL: "warn",
    ...options.env,
  };
  if (options.databaseUrl) env.MILLRACE_DATABASE_URL = options.databaseUrl;
  else delete env.MILLRACE_DATABASE_URL;
  // Its "ready" line would land on the bench's stdout, whose last line must be the summary.
  const child = Bun.spawn(command, { cwd: options.root ?? ROOT, env, stdout: "ignore", stderr: "inherit" });
  const base = `http://127.0.0.1:${port}`;
  const startupMs = await waitReady(`${base}/health/ready`, child);
  const keep = options.dataDir !== undefined;
  return {
    pid: child.pid,
    base,
    startupMs,
    stop: () => stopChild(child, () => keep || rmSync(dataDir, { recursive: true, force: true })),
  };
}

/** A port nothing listens on now (the OS's pick), for the servers beyond the bench's two. */
export function freePort(): number {
  const probe = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const port = probe.port;
  probe.stop(true);
  return port;
}

export type Fsync = "always" | "everysec";

/** A Redis of the bench's own, on a free port, with AOF on and the fsync policy given. */
export async function startRedis(fsync: Fsync): Promise<{ pid: number; port: number; stop(): Promise<void> }> {
  const port = freePort();
  const dir = mkdtempSync(join(tmpdir(), "millrace-bench-redis-"));
  const child = Bun.spawn(
    ["redis-server", "--port", String(port), "--bind", "127.0.0.1", "--dir", dir, "--save", ""].concat([
      "--appendonly",
      "yes",
      "--appendfsync",
      fsync,
    ]),
    { stdout: "ignore", stderr: "inherit" },
  );
  for (;;) {
    if (child.exitCode !== null) throw new Error(`redis-server exited with ${child.exitCode}; is it installed?`);
    try {
      const socket = await Bun.connect({ hostname: "127.0.0.1", port, socket: { data() {} } });
      socket.end();
      break;
    } catch {
      await Bun.sleep(10);
    }
  }
  return { pid: child.pid, port, stop: () => stopChild(child, () => rmSync(dir, { recursive: true, force: true })) };
}

/** A fresh PostgreSQL database on the local server (scripts/ensure-postgres), dropped at the end. */
export const freshDatabase = createTestDatabase;
