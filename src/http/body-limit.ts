import { errorResponse } from "./errors.ts";

/**
 * How much of an oversized body is read and thrown away so the client can read our 413.
 * Answering while the client is still sending and then closing makes its TCP stack reset the
 * connection, and many clients (Node's fetch among them) then report "fetch failed" and never
 * see the response. Reading the rest first, as nginx's lingering close does, avoids that; the
 * bound keeps a client from making us read forever.
 */
export const OVERFLOW_DRAIN_BYTES = 16 * 1024 * 1024;

/**
 * The `maxRequestBodySize` to give Bun.serve: past it Bun answers an empty 413 and closes at
 * once, so it must leave room for the drain.
 */
export function serverBodyLimit(maxBodyBytes: number): number {
  return maxBodyBytes + OVERFLOW_DRAIN_BYTES;
}

export interface BodyLimits {
  /** MILLRACE_MAX_BODY_BYTES: larger bodies get 413. */
  maxBytes: number;
  /** MILLRACE_BODY_TIMEOUT_SECONDS in ms: the whole body must arrive within this, from the request head. */
  timeoutMs: number;
}

/** The body as UTF-8-decoded text (malformed sequences become U+FFFD, which JSON refuses outside strings). */
export type BodyResult = { ok: true; text: string } | { ok: false; response: Response };

const decoder = new TextDecoder();

function tooLarge(length: number | null, limit: number, close: boolean): Response {
  const size = length === null ? "over" : `${length} bytes, over`;
  return errorResponse(
    413,
    "body_too_large",
    `the request body is ${size} the limit of ${limit} bytes; send smaller batches or raise MILLRACE_MAX_BODY_BYTES`,
    { limit },
    close ? { connection: "close" } : {},
  );
}

function timedOut(timeoutMs: number): Response {
  return errorResponse(
    408,
    "body_timeout",
    `the request body did not arrive within ${timeoutMs / 1000} s; send it at once, or raise MILLRACE_BODY_TIMEOUT_SECONDS for slow links`,
    { timeoutSeconds: timeoutMs / 1000 },
    // The rest of the body may still be on its way: this connection cannot carry another request.
    { connection: "close" },
  );
}

/** The client went away mid-body; nobody reads this answer, but the request must end cleanly. */
function incomplete(error: unknown): Response {
  return errorResponse(400, "body_incomplete", `the request body ended early: ${(error as Error).message}`);
}

function declaredLength(header: string | null): number | null {
  if (header === null) return null;
  const length = Number(header);
  return Number.isSafeInteger(length) && length >= 0 ? length : null;
}

function concat(chunks: Uint8Array[], total: number): Uint8Array {
  if (chunks.length === 1) return chunks[0]!;
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}

/**
 * Reads the request body within the size and time limits; null when the request has none. An
 * oversized body (declared or chunked) is read to its end and discarded, up to
 * OVERFLOW_DRAIN_BYTES past the limit, before the 413 goes out, so every client can read it; a
 * body that does not arrive in time gets 408 and the connection is closed.
 */
export function readBody(request: Request, limits: BodyLimits): Promise<BodyResult> | null {
  const { headers } = request;
  const lengthHeader = headers.get("content-length");
  // HTTP/1.1 (RFC 9112 §6.3): without Content-Length or Transfer-Encoding a request has no body.
  // Asking the headers first spares the common case `request.body`, which builds a stream.
  if (lengthHeader === null && !headers.has("transfer-encoding")) return null;
  const declared = declaredLength(lengthHeader);
  if (declared === 0) return null;
  if (declared !== null && declared <= limits.maxBytes) return readDeclared(request, limits.timeoutMs);
  return readStream(request, limits, declared);
}

async function readStream(request: Request, limits: BodyLimits, declared: number | null): Promise<BodyResult> {
  const { maxBytes, timeoutMs } = limits;
  const drainLimit = maxBytes + OVERFLOW_DRAIN_BYTES;
  if (declared !== null && declared > drainLimit) return { ok: false, response: tooLarge(declared, maxBytes, true) };
  if (!request.body) return { ok: true, text: "" };

  const reader = request.body.getReader();
  let expired = false;
  const timer = setTimeout(() => {
    expired = true;
    reader.cancel().catch(() => undefined);
  }, timeoutMs);
  const chunks: Uint8Array[] = [];
  let total = 0;
  // Known to be too large from the start: nothing is kept, only counted.
  let overflow = declared !== null && declared > maxBytes;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (expired) return { ok: false, response: timedOut(timeoutMs) };
      if (done) break;
      total += value.byteLength;
      if (total > drainLimit) {
        await reader.cancel().catch(() => undefined);
        return { ok: false, response: tooLarge(declared, maxBytes, true) };
      }
      if (total > maxBytes) overflow = true;
      if (overflow) chunks.length = 0;
      else chunks.push(value);
    }
  } catch (error) {
    if (expired) return { ok: false, response: timedOut(timeoutMs) };
    return { ok: false, response: incomplete(error) };
  } finally {
    clearTimeout(timer);
  }
  if (overflow) return { ok: false, response: tooLarge(declared ?? total, maxBytes, false) };
  return { ok: true, text: decoder.decode(concat(chunks, total)) };
}

/**
 * The common case, a declared length within the limit: Bun's native text() (measured faster
 * than a stream reader on the publish path, and it decodes without a TextDecoder pass of our
 * own), raced against the deadline.
 */
async function readDeclared(request: Request, timeoutMs: number): Promise<BodyResult> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<null>((resolve) => {
    timer = setTimeout(() => resolve(null), timeoutMs);
  });
  try {
    const text = await Promise.race([request.text(), expired]);
    if (text === null) return { ok: false, response: timedOut(timeoutMs) };
    return { ok: true, text };
  } catch (error) {
    return { ok: false, response: incomplete(error) };
  } finally {
    clearTimeout(timer);
  }
}
