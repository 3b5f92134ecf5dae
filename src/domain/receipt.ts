import { randomBytes, timingSafeEqual } from "node:crypto";

/**
 * A receipt names one lease of one message: its sequence number, the lease generation, and a
 * random token drawn for that lease and stored with it. Any later lease of the same message
 * bumps the generation, so an old receipt can never match again (fencing). Sequence and
 * generation are small counters anyone could guess, so the token (128 random bits) is what
 * proves the caller holds the lease. The encoding is opaque to clients; the version prefix lets
 * us change it (r1 receipts had no token and are refused as malformed).
 */
const PREFIX = "r2";
export const LEASE_TOKEN_BYTES = 16;

export interface ReceiptParts {
  seq: number;
  generation: number;
  token: Buffer;
}

/** A fresh lease token from the operating system's CSPRNG. */
export function newLeaseToken(): Buffer {
  return randomBytes(LEASE_TOKEN_BYTES);
}

/** `count` fresh tokens from one CSPRNG call (one call per lease batch, not per message). */
export function newLeaseTokens(count: number): Buffer[] {
  const pool = randomBytes(LEASE_TOKEN_BYTES * count);
  return Array.from({ length: count }, (_, index) =>
    pool.subarray(index * LEASE_TOKEN_BYTES, (index + 1) * LEASE_TOKEN_BYTES),
  );
}

export function encodeReceipt(seq: number, generation: number, token: Uint8Array): string {
  return `${PREFIX}.${seq.toString(36)}.${generation.toString(36)}.${Buffer.from(token).toString("base64url")}`;
}

/**
 * The three fields of a receipt, split and checked by shape in one pass: seq and generation in
 * base 36, and the token, base64url of 16 bytes unpadded (22 characters, the last of which
 * carries only 4 bits).
 */
const RECEIPT = /^r2\.([0-9a-z]{1,13})\.([0-9a-z]{1,13})\.([A-Za-z0-9_-]{21}[AQgw])$/;

function numbersOf(match: RegExpExecArray): { seq: number; generation: number } | null {
  const seq = parseInt(match[1]!, 36);
  const generation = parseInt(match[2]!, 36);
  if (!Number.isSafeInteger(seq) || !Number.isSafeInteger(generation) || seq < 1 || generation < 1) return null;
  return { seq, generation };
}

/** Returns null for anything that is not a receipt this broker could have issued. */
export function decodeReceipt(receipt: string): ReceiptParts | null {
  const match = RECEIPT.exec(receipt);
  const numbers = match ? numbersOf(match) : null;
  return numbers && { ...numbers, token: Buffer.from(match![3]!, "base64url") };
}

/** True when decodeReceipt would decode it; without decoding the token (the HTTP thread only sorts receipts). */
export function isWellFormedReceipt(receipt: string): boolean {
  const match = RECEIPT.exec(receipt);
  return match !== null && numbersOf(match) !== null;
}

/**
 * True when `presented` is the token stored with the lease. Constant time in the token's
 * content, so response timing does not reveal how much of a guess was right.
 */
export function leaseTokenMatches(stored: Uint8Array | null, presented: Uint8Array): boolean {
  if (stored === null || stored.length !== LEASE_TOKEN_BYTES || presented.length !== LEASE_TOKEN_BYTES) return false;
  return timingSafeEqual(stored, presented);
}
