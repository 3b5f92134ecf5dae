import type { Subprocess } from "bun";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const ROOT = resolve(import.meta.dir, "../..");

export interface SpawnedServer {
  url: string;
  dataDir: string;
  process: Subprocess<"ignore", "pipe", "pipe">;
  /** Everything the server wrote to stdout so far (JSON log lines). */
  logs: () => string;
}

/** A free TCP port on loopback, found by binding port 0 and releasing it. */
export function freePort(): number {
  const probe = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const port = probe.port;
  probe.stop(true);
  return port;
}

/**
 * Runs `bun src/main.ts serve` as a child process (so it can be killed for real) and waits
 * until /health/ready answers 200.
 */
export async function spawnServer(
  options: { dataDir?: string; port?: number; env?: Record<string, string> } = {},
): Promise<SpawnedServer> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), "millrace-e2e-"));
  const port = options.port ?? freePort();
  const child = Bun.spawn([process.execPath, "src/main.ts", "serve"], {
    cwd: ROOT,
    env: {
      ...process.env,
      MILLRACE_LISTEN: `127.0.0.1:${port}`,
      MILLRACE_DATA_DIR: dataDir,
      MILLRACE_LOG_LEVEL: "info",
      ...options.env,
    },
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  let output = "";
  void (async () => {
    for await (const chunk of child.stdout) output += new TextDecoder().decode(chunk);
  })();
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) {
      throw new Error(
        `the server exited with ${child.exitCode} before becoming ready:\n${output}\n${await new Response(child.stderr).text()}`,
      );
    }
    try {
      if ((await fetch(`${url}/health/ready`)).status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`the server did not become ready within 30 s:\n${output}`);
    await Bun.sleep(50);
  }
  return { url, dataDir, process: child, logs: () => output };
}
