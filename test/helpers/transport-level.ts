import type { RawRequest } from "./raw-http.ts";

// Which requests Bun's HTTP layer answers itself, before (or instead of) the app: those get Bun's
// bare 400/431/505, or a closed connection, rather than the app's JSON error.

const KNOWN_METHODS = new Set(["GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH"]);
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** Bun's own limits on the request head, past which it answers a bare 431 before the app runs. */
const BUN_MAX_HEADER_BYTES = 16_000;
const BUN_MAX_HEADER_COUNT = 128;

/** True when the request is malformed as HTTP, or past Bun's limits: Bun answers it, not the app. */
export function isTransportLevel(raw: RawRequest): boolean {
  if (!KNOWN_METHODS.has(raw.method)) return true;
  // Bun does not hand a GET or HEAD body to the app, and under load it was seen to close the
  // connection while such a body was still arriving: the client then gets a reset, not the answer.
  if ((raw.method === "GET" || raw.method === "HEAD") && raw.body !== undefined && raw.body.length > 0) return true;
  const target = Buffer.from(raw.target);
  if (target.length === 0 || target[0] !== 0x2f) return true;
  if (target.some((byte) => byte <= 0x20)) return true;
  const headers = raw.headers ?? [];
  // Bun's limit covers the request line too.
  let size = raw.method.length + target.length;
  for (const [name, value] of headers) {
    const bytes = Buffer.from(value);
    if (!TOKEN.test(name)) return true;
    if (bytes.some((byte) => (byte < 0x20 && byte !== 0x09) || byte === 0x7f)) return true;
    if (["content-length", "transfer-encoding", "host", "connection"].includes(name.toLowerCase())) return true;
    size += name.length + bytes.length + 4;
  }
  return size > BUN_MAX_HEADER_BYTES || headers.length > BUN_MAX_HEADER_COUNT;
}
