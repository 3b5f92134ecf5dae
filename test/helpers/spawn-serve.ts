import type { Subprocess } from "bun";
import { join } from "node:path";

export const ROOT = join(import.meta.dir, "..", "..");

/** A port that was free a moment ago (bind to 0, read it, release it). */
export function freePort(): number {
  const listener = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const port = listener.port;
  listener.stop(true);
  return port;
}

export interface ServerProcess {
  url: string;
  proc: Subprocess<"ignore", "pipe", "pipe">;
  /** Every output line so far (JSON log lines on stdout, anything on stderr). */
  lines: string[];
  /** SIGTERM, then resolves to the exit code once the process has drained and exited. */
  stop(): Promise<number>;
}

/**
 * Spawns the real server from source (`bun src/main.ts serve`) on a free loopback port (unless
 * MILLRACE_LISTEN is given) and resolves once /health/ready answers 200, with its URL.
 */
export async function startServer(env: Record<string, string>): Promise<ServerProcess> {
  const listen = env.MILLRACE_LISTEN ?? `127.0.0.1:${freePort()}`;
  const proc = Bun.spawn([process.execPath, join(ROOT, "src/main.ts"), "serve"], {
    cwd: ROOT,
    env: { ...process.env, ...env, MILLRACE_LISTEN: listen },
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  const lines: string[] = [];
  const pump = async (stream: ReadableStream<Uint8Array>) => {
    const decoder = new TextDecoder();
    let buffered = "";
    for await (const chunk of stream) {
      buffered += decoder.decode(chunk, { stream: true });
      const complete = buffered.split("\n");
      buffered = complete.pop() ?? "";
      lines.push(...complete);
    }
    if (buffered !== "") lines.push(buffered);
  };
  void pump(proc.stdout);
  void pump(proc.stderr);
  const url = `http://${listen}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (proc.exitCode !== null)
      throw new Error(`the server exited with ${proc.exitCode} before it was ready:\n${lines.join("\n")}`);
    const ready = await fetch(`${url}/health/ready`).then(
      (response) => response.status === 200,
      () => false,
    );
    if (ready) break;
    if (Date.now() > deadline) {
      proc.kill("SIGKILL");
      throw new Error(`the server was not ready within 30 s:\n${lines.join("\n")}`);
    }
    await Bun.sleep(50);
  }
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

export interface ServeProcess {
  proc: Subprocess<"ignore", "pipe", "pipe">;
  api: string;
  apiPort: number;
  metrics: string;
  output: () => string;
}

/**
 * `startServer` with a data directory, metrics on their own free port, and no shutdown delay:
 * for tests that watch the API port close while probing readiness on the metrics listener.
 */
export async function spawnServe(dataDir: string, env: Record<string, string> = {}): Promise<ServeProcess> {
  const metrics = `127.0.0.1:${freePort()}`;
  const server = await startServer({
    MILLRACE_DATA_DIR: dataDir,
    MILLRACE_METRICS_LISTEN: metrics,
    MILLRACE_SHUTDOWN_DELAY_SECONDS: "0",
    ...env,
  });
  return {
    proc: server.proc,
    api: server.url,
    apiPort: Number(new URL(server.url).port),
    metrics: `http://${metrics}`,
    output: () => server.lines.join("\n"),
  };
}

/** Polls until `check` holds or about 30 s pass; returns whether it held. */
export async function until(check: () => Promise<boolean>): Promise<boolean> {
  for (let i = 0; i < 600; i++) {
    if (await check()) return true;
    await Bun.sleep(50);
  }
  return false;
}

/** The in-flight request gauge, read from the metrics listener (which is not itself counted). */
export async function inFlight(served: ServeProcess): Promise<number> {
  const text = await fetch(`${served.metrics}/metrics`).then((r) => r.text());
  const line = text.split("\n").find((l) => l.startsWith("millrace_http_requests_in_flight "));
  return line ? Number(line.split(" ")[1]) : -1;
}

/** True when a fresh TCP connection to the port is refused, i.e. the listener is closed. */
export async function refusesConnections(port: number): Promise<boolean> {
  try {
    const socket = await Bun.connect({ hostname: "127.0.0.1", port, socket: { data() {} } });
    socket.end();
    return false;
  } catch {
    return true;
  }
}

/**
 * An HTTP request written by hand over one TCP connection, so a test can hold it half-sent:
 * `start` sends the headers and the first part of the body, `finish` the rest, `response` the reply.
 */
export async function rawRequest(port: number, method: string, path: string, body: string) {
  let received = "";
  let resolveClosed: () => void = () => undefined;
  const closed = new Promise<void>((resolve) => (resolveClosed = resolve));
  const socket = await Bun.connect({
    hostname: "127.0.0.1",
    port,
    socket: {
      data(_s, chunk) {
        received += new TextDecoder().decode(chunk);
        if (isComplete(received)) resolveClosed();
      },
      close() {
        resolveClosed();
      },
      error() {
        resolveClosed();
      },
    },
  });
  const half = Math.floor(body.length / 2);
  socket.write(
    `${method} ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body.slice(0, half)}`,
  );
  return {
    finish: () => {
      socket.write(body.slice(half));
    },
    response: async () => {
      await closed;
      socket.end();
      return received;
    },
  };
}

/** A full HTTP/1.1 response: headers, then as many body bytes as Content-Length says. */
function isComplete(text: string): boolean {
  const end = text.indexOf("\r\n\r\n");
  if (end < 0) return false;
  const length = /content-length: *(\d+)/i.exec(text.slice(0, end));
  return length !== null && Buffer.byteLength(text.slice(end + 4)) >= Number(length[1]);
}
