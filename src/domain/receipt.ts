/**
 * A receipt names one lease of one message: its sequence number and the lease generation.
 * Any later lease of the same message bumps the generation, so an old receipt can never
 * match again (fencing). The encoding is opaque to clients; the version prefix lets us change it.
 */
const PREFIX = "r1";
const PART = /^[0-9a-z]{1,13}$/;

export interface ReceiptParts {
  seq: number;
  generation: number;
}

export function encodeReceipt(seq: number, generation: number): string {
  return `${PREFIX}.${seq.toString(36)}.${generation.toString(36)}`;
}

/** Returns null for anything that is not a receipt this broker could have issued. */
export function decodeReceipt(receipt: string): ReceiptParts | null {
  const parts = receipt.split(".");
  if (parts.length !== 3 || parts[0] !== PREFIX) return null;
  const [, seqText = "", generationText = ""] = parts;
  if (!PART.test(seqText) || !PART.test(generationText)) return null;
  const seq = parseInt(seqText, 36);
  const generation = parseInt(generationText, 36);
  if (!Number.isSafeInteger(seq) || !Number.isSafeInteger(generation) || seq < 1 || generation < 1) return null;
  return { seq, generation };
}
