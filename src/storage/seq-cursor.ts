import { invalidField } from "../domain/errors.ts";

// The store's dead-letter cursor, the same on every driver: the last sequence number seen,
// base-36 (the HTTP layer wraps it with a check, see domain/dead-letter-cursor.ts).

export function encodeSeqCursor(seq: number): string {
  return seq.toString(36);
}

export function decodeSeqCursor(cursor: string): number {
  const seq = /^[0-9a-z]{1,11}$/.test(cursor) ? parseInt(cursor, 36) : NaN;
  if (!Number.isSafeInteger(seq)) {
    throw invalidField("after", "is not a cursor this broker issued; pass the nextCursor of the previous page");
  }
  return seq;
}
