import { invalidField } from "./errors.ts";

// U+0000 and unpaired surrogates (halves of a UTF-16 pair, which no UTF-8 text can hold).
const UNSTORABLE = /[\u0000]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Refuses a string that a database text column cannot hold as sent: PostgreSQL's text has no
 * U+0000, and UTF-8 has no lone surrogate. (Bodies and headers are stored as JSON, which escapes
 * both, so only the fields stored as plain text need this.)
 */
export function assertStorableText(field: string, value: string): void {
  if (UNSTORABLE.test(value)) {
    throw invalidField(
      field,
      "contains U+0000 or an unpaired surrogate, which cannot be stored as text; remove it, or send the value in the body",
    );
  }
}
