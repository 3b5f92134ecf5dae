import { createHash } from "node:crypto";

/** A message attribute as the SQS protocols carry it (BinaryValue as bytes). */
export interface AttributeValue {
  DataType: string;
  StringValue?: string;
  BinaryValue?: Uint8Array;
}

export function md5Hex(text: string): string {
  return createHash("md5").update(text, "utf8").digest("hex");
}

/**
 * The digest SQS returns as MD5OfMessageAttributes (and MD5OfMessageSystemAttributes): over the
 * attributes sorted by name, each as length-prefixed name, length-prefixed data type, a transport
 * byte (1 string, 2 binary) and the length-prefixed value; lengths are 4-byte big-endian. The
 * SDKs recompute it, so it must match byte for byte.
 */
export function md5OfAttributes(attributes: Record<string, AttributeValue>): string {
  const hash = createHash("md5");
  for (const name of Object.keys(attributes).sort(byUtf8)) {
    const value = attributes[name]!;
    hash.update(lengthPrefixed(Buffer.from(name, "utf8")));
    hash.update(lengthPrefixed(Buffer.from(value.DataType, "utf8")));
    if (value.DataType.startsWith("Binary")) {
      hash.update(Buffer.from([2]));
      hash.update(lengthPrefixed(Buffer.from(value.BinaryValue ?? new Uint8Array())));
    } else {
      hash.update(Buffer.from([1]));
      hash.update(lengthPrefixed(Buffer.from(value.StringValue ?? "", "utf8")));
    }
  }
  return hash.digest("hex");
}

function lengthPrefixed(bytes: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(bytes.length);
  return Buffer.concat([length, bytes]);
}

// SQS sorts names by their bytes, which for UTF-8 is code point order; JavaScript's default
// sort compares UTF-16 units, which differs for characters beyond the BMP.
function byUtf8(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8"));
}
