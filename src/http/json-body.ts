import { BrokerError } from "../domain/errors.ts";

/** Deepest nesting of arrays and objects a request body may have; far beyond any real message. */
export const MAX_JSON_DEPTH = 64;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_SQUARE = 0x5b;
const CLOSE_SQUARE = 0x5d;
const OPEN_CURLY = 0x7b;
const CLOSE_CURLY = 0x7d;

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
 * Every character it looks for is ASCII, and no UTF-16 code unit of another character is below
 * 0x80, so comparing code units is exact. Strings are skipped with indexOf (native, and most of
 * a message is string content): a quote preceded by an odd run of backslashes is escaped.
 */
export function exceedsDepth(text: string, limit: number): boolean {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === QUOTE) {
      for (;;) {
        const end = text.indexOf('"', i + 1);
        // An unterminated string nests nothing more; JSON.parse refuses the text.
        if (end < 0) return false;
        let backslash = end - 1;
        while (text.charCodeAt(backslash) === BACKSLASH) backslash--;
        i = end;
        if ((end - 1 - backslash) % 2 === 0) break;
      }
    } else if (code === OPEN_SQUARE || code === OPEN_CURLY) {
      if (++depth > limit) return true;
    } else if (code === CLOSE_SQUARE || code === CLOSE_CURLY) {
      depth--;
    }
  }
  return false;
}

/**
 * Doubles end near 1.8e308: a literal with an exponent of 300 or more, or a run of 300 digits,
 * may overflow to Infinity, which JSON.stringify would then store as null. Only bodies whose text
 * has such a run get the walk over the parsed value (a match inside a string costs only the walk).
 */
const RISKY_NUMBER = /[0-9.][eE]\+?(?:[3-9][0-9]{2}|[0-9]{4})|[0-9]{300}/;

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
export function parseJsonBody(text: string, maxDepth = MAX_JSON_DEPTH): unknown {
  if (text.length === 0) return undefined;
  // A body shorter than the limit cannot nest deeper than it: skip the scan for small requests.
  if (text.length > maxDepth && exceedsDepth(text, maxDepth)) throw nestingTooDeep(maxDepth);
  let value: unknown;
  try {
    value = JSON.parse(text) as unknown;
  } catch {
    throw malformedJson();
  }
  // The walk is bounded by the depth limit above, and runs only for bodies the pattern flagged.
  if (RISKY_NUMBER.test(text) && hasNonFinite(value)) throw numberOutOfRange();
  return value;
}
