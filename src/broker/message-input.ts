import { invalidField } from "../domain/errors.ts";
import { assertStorableText } from "../domain/stored-text.ts";
import type { NewMessage } from "../domain/message.ts";

/** One message as a client sends it (after schema validation of the types). */
export interface MessageInput {
  body?: unknown;
  bodyBase64?: string;
  headers?: Record<string, string>;
  delaySeconds?: number;
  /** ISO 8601 timestamp; the message is not delivered before it. */
  notBefore?: string;
  priority?: number;
  groupId?: string;
  dedupId?: string;
}

/** The same bound as delaySeconds (src/http/schemas.ts): a message waits at most 90 days. */
export const MAX_DELAY_SECONDS = 90 * 24 * 3600;

// A date (midnight UTC), or a date and time with a zone: a time without a zone would be read in
// the server's local time zone, which differs between machines.
const ISO_8601 = /^\d{4}-\d{2}-\d{2}(?:[Tt ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:[Zz]|[+-]\d{2}:?\d{2}))?$/;

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * Checks what the type schema cannot (exactly one body, base64, the two ways to delay) and
 * produces the stored form. `field` prefixes error messages, e.g. `messages[3]`.
 */
export function toNewMessage(input: MessageInput, field: string, now: number): NewMessage {
  const prefix = field === "" ? "" : `${field}.`;
  const hasBody = "body" in input && input.body !== undefined;
  if (hasBody === (input.bodyBase64 !== undefined)) {
    throw invalidField(
      `${prefix}body`,
      hasBody
        ? "give either body (any JSON value) or bodyBase64 (bytes), not both"
        : "is required; send a JSON value as body, or bytes as bodyBase64",
    );
  }
  if (input.bodyBase64 !== undefined && !BASE64.test(input.bodyBase64)) {
    throw invalidField(`${prefix}bodyBase64`, "is not valid base64; encode the bytes with standard base64 and padding");
  }
  if (input.delaySeconds !== undefined && input.notBefore !== undefined) {
    throw invalidField(`${prefix}delaySeconds`, "give either delaySeconds or notBefore, not both");
  }
  if (input.groupId !== undefined) assertStorableText(`${prefix}groupId`, input.groupId);
  if (input.dedupId !== undefined) assertStorableText(`${prefix}dedupId`, input.dedupId);
  let availableAt = now;
  if (input.delaySeconds !== undefined) availableAt = now + input.delaySeconds * 1000;
  if (input.notBefore !== undefined)
    availableAt = Math.max(now, parseNotBefore(input.notBefore, `${prefix}notBefore`, now));
  return {
    body: input.bodyBase64 ?? JSON.stringify(input.body),
    bodyIsBinary: input.bodyBase64 !== undefined,
    headers: input.headers && Object.keys(input.headers).length > 0 ? JSON.stringify(input.headers) : null,
    priority: input.priority ?? 0,
    availableAt,
    groupId: input.groupId ?? null,
    dedupId: input.dedupId ?? null,
  };
}

function parseNotBefore(raw: string, field: string, now: number): number {
  const at = ISO_8601.test(raw) ? Date.parse(raw) : NaN;
  if (Number.isNaN(at)) {
    throw invalidField(
      field,
      `"${raw.slice(0, 64)}" is not an ISO 8601 time with a zone; write it like 2026-01-31T12:00:00Z or 2026-01-31T13:00:00+01:00`,
    );
  }
  const latest = now + MAX_DELAY_SECONDS * 1000;
  if (at > latest) {
    throw invalidField(
      field,
      `is more than 90 days ahead (at most ${new Date(latest).toISOString()}, like delaySeconds); publish it later instead`,
    );
  }
  return at;
}
