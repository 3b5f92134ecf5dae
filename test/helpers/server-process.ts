import { join } from "node:path";
import type { Subprocess } from "bun";

export const ROOT = join(import.meta.dir, "..", "..");

export interface ServerProcess {
  url: string;
  proc: Subprocess<"ignore", "pipe", "pipe">;
  /** Every stdout line so far (JSON log lines). */
  lines: string[];
  /** SIGTERM, then resolves to the exit code once the process has drained and exited. */
  stop(): Promise<number>;
}

/**
 * Spawns the real server from source (`bun src/main.ts serve`) on 127.0.0.1 with an OS-chosen
 * port and resolves once it logs "millrace ready", with its URL.
 */
export async function startServer(env: Record<string, string>): Promise<ServerProcess> {
  const proc = Bun.spawn([process.execPath, join(ROOT, "src/main.ts"), "serve"], {
    cwd: ROOT,
    env: { ...process.env, MILLRACE_LISTEN: "127.0.0.1:0", ...env },
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  const lines: string[] = [];
  const url = await new Promise<string>((resolve, reject) => {
    let resolved = false;
    void (async () => {
      const decoder = new TextDecoder();
      let buffered = "";
      for await (const chunk of proc.stdout) {
        buffered += decoder.decode(chunk, { stream: true });
        let newline: number;
        while ((newline = buffered.indexOf("\n")) >= 0) {
          const line = buffered.slice(0, newline);
          buffered = buffered.slice(newline + 1);
          lines.push(line);
          if (!resolved && line.includes('"millrace ready"')) {
            resolved = true;
            resolve((JSON.parse(line) as { listen: string }).listen);
          }
        }
      }
      if (!resolved) {
        const stderr = await new Response(proc.stderr).text();
        reject(new Error(`the server exited before it was ready:\n${lines.join("\n")}\n${stderr}`));
      }
    })();
  });
  return {
    url,
    proc,
    lines,
    async stop() {
      proc.kill("SIGTERM");
      return proc.exited;
    },
  };
}

/** Runs the CLI from source and collects its exit code and output. */
export async function runCli(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  const proc = Bun.spawn([process.execPath, join(ROOT, "src/main.ts"), ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  const [stdout, stderr, code] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
    proc.exited,
  ]);
  return { code, stdout, stderr };
}
