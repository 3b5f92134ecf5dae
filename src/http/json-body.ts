import { BrokerError } from "../domain/errors.ts";

/** Deepest nesting of arrays and objects a request body may have; far beyond any real message. */
export const MAX_JSON_DEPTH = 64;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_SQUARE = 0x5b;
const CLOSE_SQUARE = 0x5d;
const OPEN_CURLY = 0x7b;
const CLOSE_CURLY = 0x7d;

const decoder = new TextDecoder();

export function malformedJson(): BrokerError {
  return new BrokerError(
    "malformed_json",
    400,
    "the request body is not valid JSON; send a JSON object with Content-Type: application/json",
  );
}

function nestingTooDeep(limit: number): BrokerError {
  return new BrokerError(
    "nesting_too_deep",
    400,
    `the request body nests arrays and objects more than ${limit} levels deep; flatten it, or send deep structures as a string`,
    { limit },
  );
}

/**
 * The deepest nesting of `[` and `{` outside strings, stopping as soon as it passes `limit`.
 * Works on the UTF-8 bytes: every byte it looks for is ASCII, and no byte of a multi-byte
 * character is below 0x80, so characters never need decoding here.
 */
export function exceedsDepth(bytes: Uint8Array, limit: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i]!;
    if (inString) {
      if (byte === BACKSLASH)
        i++; // the escaped byte, even a quote, cannot end the string
      else if (byte === QUOTE) inString = false;
    } else if (byte === QUOTE) {
      inString = true;
    } else if (byte === OPEN_SQUARE || byte === OPEN_CURLY) {
      if (++depth > limit) return true;
    } else if (byte === CLOSE_SQUARE || byte === CLOSE_CURLY) {
      depth--;
    }
  }
  return false;
}

const DIGIT_0 = 0x30;
const DIGIT_9 = 0x39;
const LOWER_E = 0x65;
const UPPER_E = 0x45;
const DOT = 0x2e;
const MINUS = 0x2d;
const PLUS = 0x2b;
/**
 * Doubles end near 1.8e308: an exponent from here, or a run of digits this long, may overflow
 * to Infinity, which JSON.stringify would then store as null. Only such bodies get the full walk.
 */
const RISKY_EXPONENT = 300;
const RISKY_DIGITS = 300;

/** True when some number literal outside strings could overflow a double. */
export function mayOverflow(bytes: Uint8Array): boolean {
  let inString = false;
  let digits = 0;
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i]!;
    if (inString) {
      if (byte === BACKSLASH) i++;
      else if (byte === QUOTE) inString = false;
      continue;
    }
    if (byte === QUOTE) {
      inString = true;
      digits = 0;
    } else if (byte >= DIGIT_0 && byte <= DIGIT_9) {
      if (++digits > RISKY_DIGITS) return true;
    } else if ((byte === LOWER_E || byte === UPPER_E) && digits > 0) {
      // An exponent (the e of true and false follows no digit).
      let j = i + 1;
      if (bytes[j] === MINUS) continue;
      if (bytes[j] === PLUS) j++;
      let exponent = 0;
      while (j < bytes.length && bytes[j]! >= DIGIT_0 && bytes[j]! <= DIGIT_9 && exponent < RISKY_EXPONENT) {
        exponent = exponent * 10 + (bytes[j]! - DIGIT_0);
        j++;
      }
      if (exponent >= RISKY_EXPONENT) return true;
      digits = 0;
    } else if (byte !== DOT) {
      digits = 0;
    }
  }
  return false;
}

function hasNonFinite(value: unknown): boolean {
  if (typeof value === "number") return !Number.isFinite(value);
  if (value === null || typeof value !== "object") return false;
  for (const item of Array.isArray(value) ? value : Object.values(value)) if (hasNonFinite(item)) return true;
  return false;
}

function numberOutOfRange(): BrokerError {
  return new BrokerError(
    "number_out_of_range",
    400,
    "the request body holds a number beyond what a double can hold (about 1.8e308), which would be stored as null; send it as a string",
  );
}

/**
 * Parses a request body as JSON. JSON.parse recurses once per level, so 100,000 nested `[`
 * overflow the stack (a 500); the linear pre-scan refuses them first with a 400 naming the limit.
 * An empty body is `undefined` (routes whose body is optional accept that).
 */
export function parseJsonBody(bytes: Uint8Array, maxDepth = MAX_JSON_DEPTH): unknown {
  if (bytes.byteLength === 0) return undefined;
  // A body shorter than the limit cannot nest deeper than it: skip the scan for small requests.
  if (bytes.byteLength > maxDepth && exceedsDepth(bytes, maxDepth)) throw nestingTooDeep(maxDepth);
  let value: unknown;
  try {
    value = JSON.parse(decoder.decode(bytes)) as unknown;
  } catch {
    throw malformedJson();
  }
  // The walk is bounded by the depth limit above, and runs only for bodies the scan flagged.
  if (mayOverflow(bytes) && hasNonFinite(value)) throw numberOutOfRange();
  return value;
}
