import { connect } from "node:net";

// A raw HTTP/1.1 client for hostile tests: fetch() normalises what it sends (it resolves dot
// segments, percent-encodes paths, refuses bodies on GET and odd header bytes), so requests that
// must reach the server exactly as written go over a plain TCP socket instead.

export interface RawResponse {
  status: number;
  headers: Map<string, string>;
  body: Buffer;
}

export interface RawRequest {
  method: string;
  /** The request target exactly as sent: raw bytes are allowed (NUL, invalid UTF-8). */
  target: Buffer | string;
  headers?: ReadonlyArray<readonly [string, Buffer | string]>;
  body?: Buffer | string;
}

const CRLF = Buffer.from("\r\n");

/** Serialises the request byte for byte; Content-Length is added for a body unless given. */
export function encodeRequest(host: string, request: RawRequest): Buffer {
  const body = request.body === undefined ? null : Buffer.from(request.body);
  const headers = [...(request.headers ?? [])];
  const has = (name: string) => headers.some(([key]) => key.toLowerCase() === name);
  if (!has("host")) headers.unshift(["host", host]);
  if (body !== null && !has("content-length") && !has("transfer-encoding"))
    headers.push(["content-length", String(body.length)]);
  headers.push(["connection", "close"]);
  const parts: Buffer[] = [
    Buffer.from(`${request.method} `),
    Buffer.from(request.target),
    Buffer.from(" HTTP/1.1"),
    CRLF,
  ];
  for (const [name, value] of headers) parts.push(Buffer.from(`${name}: `), Buffer.from(value), CRLF);
  parts.push(CRLF);
  if (body !== null) parts.push(body);
  return Buffer.concat(parts);
}

/**
 * Sends one request on its own connection and reads the answer until the server closes it.
 * Rejects when the connection fails or no complete answer arrives within `timeoutMs`.
 */
export function rawRequest(baseUrl: string, request: RawRequest, timeoutMs = 20_000): Promise<RawResponse> {
  const url = new URL(baseUrl);
  const bytes = encodeRequest(url.host, request);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = connect({ host: url.hostname, port: Number(url.port) });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no complete answer within ${timeoutMs} ms`));
    }, timeoutMs);
    // write, not end: Bun aborts an asynchronous handler when the client half-closes its side.
    socket.on("connect", () => socket.write(bytes));
    socket.on("data", (chunk: Buffer) => {
      chunks.push(chunk);
      // Bun keeps the socket open a moment after `connection: close`; stop once the answer is whole.
      const parsed = tryParse(Buffer.concat(chunks), request.method);
      if (parsed) {
        clearTimeout(timer);
        socket.destroy();
        resolve(parsed);
      }
    });
    socket.on("error", (error) => {
      // A reset after the answer arrived is the server closing, not a failure.
      const parsed = tryParse(Buffer.concat(chunks), request.method, true);
      clearTimeout(timer);
      if (parsed) resolve(parsed);
      else reject(error);
    });
    socket.on("close", () => {
      clearTimeout(timer);
      const parsed = tryParse(Buffer.concat(chunks), request.method, true);
      if (parsed) resolve(parsed);
      else reject(new Error(`the connection closed without a complete answer (${Buffer.concat(chunks).length} bytes)`));
    });
  });
}

/** The response when `data` holds a whole one; with `ended`, a body without a length runs to the end. */
function tryParse(data: Buffer, method: string, ended = false): RawResponse | null {
  const headEnd = data.indexOf("\r\n\r\n");
  if (headEnd < 0) return null;
  const lines = data.subarray(0, headEnd).toString("latin1").split("\r\n");
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(lines[0] ?? "")?.[1]);
  if (!Number.isInteger(status)) throw new Error(`not an HTTP status line: ${JSON.stringify(lines[0])}`);
  const headers = new Map<string, string>();
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(":");
    if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  const rest = data.subarray(headEnd + 4);
  // An interim answer (100 Continue to `Expect: 100-continue`) precedes the real one.
  if (status >= 100 && status < 200 && status !== 101) return tryParse(rest, method, ended);
  if (method === "HEAD" || status === 204 || status === 304) return { status, headers, body: Buffer.alloc(0) };
  const length = headers.get("content-length");
  if (length !== undefined) {
    const size = Number(length);
    return rest.length >= size ? { status, headers, body: rest.subarray(0, size) } : null;
  }
  if (headers.get("transfer-encoding")?.toLowerCase().includes("chunked")) {
    const body = dechunk(rest);
    return body === null ? null : { status, headers, body };
  }
  return ended ? { status, headers, body: rest } : null;
}

function dechunk(data: Buffer): Buffer | null {
  const parts: Buffer[] = [];
  let offset = 0;
  for (;;) {
    const lineEnd = data.indexOf("\r\n", offset);
    if (lineEnd < 0) return null;
    const size = parseInt(data.subarray(offset, lineEnd).toString("latin1"), 16);
    if (Number.isNaN(size)) throw new Error("malformed chunked body");
    if (size === 0) return Buffer.concat(parts);
    const start = lineEnd + 2;
    if (data.length < start + size + 2) return null;
    parts.push(data.subarray(start, start + size));
    offset = start + size + 2;
  }
}
