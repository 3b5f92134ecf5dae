import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Server } from "bun";

export interface ReceivedRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: string;
  /** The client's source port: one per TCP connection. */
  peerPort: number;
}

export interface WebhookReceiver {
  /** http(s)://<hostname>:<port> */
  origin: string;
  port: number;
  requests: ReceivedRequest[];
  /** Distinct client source ports seen, i.e. TCP connections that carried a request. */
  connections(): number;
  stop(): Promise<void>;
}

export interface ReceiverOptions {
  hostname?: string;
  port?: number;
  tls?: { cert: string; key: string };
  respond?: (request: ReceivedRequest) => Response | Promise<Response>;
}

/** A real local HTTP(S) endpoint that records every request it gets and answers as told (200 "ok" by default). */
export function startReceiver(options: ReceiverOptions = {}): WebhookReceiver {
  const hostname = options.hostname ?? "127.0.0.1";
  const requests: ReceivedRequest[] = [];
  const server: Server<undefined> = Bun.serve({
    hostname,
    port: options.port ?? 0,
    ...(options.tls ? { tls: options.tls } : {}),
    async fetch(req, srv) {
      const url = new URL(req.url);
      const received: ReceivedRequest = {
        method: req.method,
        path: url.pathname + url.search,
        headers: Object.fromEntries(req.headers),
        body: await req.text(),
        peerPort: srv.requestIP(req)?.port ?? 0,
      };
      requests.push(received);
      return options.respond ? options.respond(received) : new Response("ok");
    },
  });
  const port = server.port!;
  return {
    origin: `${options.tls ? "https" : "http"}://${hostname}:${port}`,
    port,
    requests,
    connections: () => new Set(requests.map((request) => request.peerPort)).size,
    stop: () => server.stop(true),
  };
}

/** A self-signed certificate for `localhost` (made with openssl in a temp dir, removed at once). */
export function selfSignedLocalhost(): { cert: string; key: string } {
  const dir = mkdtempSync(join(tmpdir(), "millrace-cert-"));
  try {
    const made = Bun.spawnSync(
      [
        "openssl",
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-nodes",
        "-keyout",
        join(dir, "key.pem"),
        "-out",
        join(dir, "cert.pem"),
        "-days",
        "1",
        "-subj",
        "/CN=localhost",
        "-addext",
        "subjectAltName=DNS:localhost",
      ],
      { stderr: "pipe" },
    );
    if (made.exitCode !== 0) throw new Error(`openssl failed: ${made.stderr.toString()}`);
    return { cert: readFileSync(join(dir, "cert.pem"), "utf8"), key: readFileSync(join(dir, "key.pem"), "utf8") };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
