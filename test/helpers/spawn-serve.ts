import type { Subprocess } from "bun";
import { join } from "node:path";

const ROOT = join(import.meta.dir, "..", "..");

/** A port that was free a moment ago (bind to 0, read it, release it). */
export function freePort(): number {
  const listener = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const port = listener.port;
  listener.stop(true);
  return port;
}

export interface ServeProcess {
  proc: Subprocess<"ignore", "pipe", "pipe">;
  api: string;
  apiPort: number;
  metrics: string;
  output: () => string;
}

/** Runs `bun src/main.ts serve` as a real process, with its API and metrics on free ports, until ready. */
export async function spawnServe(dataDir: string, env: Record<string, string> = {}): Promise<ServeProcess> {
  const apiPort = freePort();
  const metricsPort = freePort();
  const proc = Bun.spawn([process.execPath, "src/main.ts", "serve"], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? "",
      MILLRACE_DATA_DIR: dataDir,
      MILLRACE_LISTEN: `127.0.0.1:${apiPort}`,
      MILLRACE_METRICS_LISTEN: `127.0.0.1:${metricsPort}`,
      MILLRACE_SHUTDOWN_DELAY_SECONDS: "0",
      ...env,
    },
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  let text = "";
  const decoder = new TextDecoder();
  const pump = async (stream: ReadableStream<Uint8Array>) => {
    for await (const chunk of stream) text += decoder.decode(chunk);
  };
  void pump(proc.stdout);
  void pump(proc.stderr);
  const served: ServeProcess = {
    proc,
    api: `http://127.0.0.1:${apiPort}`,
    apiPort,
    metrics: `http://127.0.0.1:${metricsPort}`,
    output: () => text,
  };
  for (let i = 0; i < 300; i++) {
    if (proc.exitCode !== null) throw new Error(`serve exited with ${proc.exitCode}:\n${text}`);
    const ready = await fetch(`${served.api}/health/ready`).then(
      (r) => r.status === 200,
      () => false,
    );
    if (ready) return served;
    await Bun.sleep(50);
  }
  proc.kill("SIGKILL");
  throw new Error(`serve did not become ready:\n${text}`);
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
