import { parseIp } from "./ip.ts";

/** One parsed CIDR block; `contains` compares prefix bits of same-family addresses. */
export interface Cidr {
  readonly text: string;
  readonly bytes: Uint8Array;
  readonly prefix: number;
}

/** Parses `10.0.0.0/8`, `fd00::/8`, or a bare address (a /32 or /128); throws saying what is wrong. */
export function parseCidr(text: string): Cidr {
  const trimmed = text.trim();
  const [address = "", prefixText, extra] = trimmed.split("/");
  const bytes = parseIp(address);
  if (!bytes || extra !== undefined) {
    throw new Error(`"${trimmed}" is not a CIDR; write it like 10.0.0.0/8, 192.168.1.10 or fd00::/8`);
  }
  const max = bytes.length * 8;
  // A mapped IPv4 address arrives as 4 bytes; its IPv6 prefix counted the 96 mapping bits.
  const mapped = address.includes(":") && bytes.length === 4;
  let prefix = max;
  if (prefixText !== undefined) {
    if (!/^\d{1,3}$/.test(prefixText)) throw new Error(`"${trimmed}" has a bad prefix length; use /0 to /${max}`);
    prefix = Number(prefixText) - (mapped ? 96 : 0);
    if (prefix < 0 || prefix > max) throw new Error(`"${trimmed}" has a bad prefix length; use /0 to /${max}`);
  }
  return { text: trimmed, bytes, prefix };
}

export function cidrContains(cidr: Cidr, address: Uint8Array): boolean {
  if (address.length !== cidr.bytes.length) return false;
  let bits = cidr.prefix;
  for (let i = 0; bits > 0; i++, bits -= 8) {
    const mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
    if ((address[i]! & mask) !== (cidr.bytes[i]! & mask)) return false;
  }
  return true;
}

export function anyCidrContains(cidrs: readonly Cidr[], address: string): boolean {
  if (cidrs.length === 0) return false;
  const bytes = parseIp(address);
  return bytes !== null && cidrs.some((cidr) => cidrContains(cidr, bytes));
}

/** A comma-separated list of CIDRs; every bad entry is reported in one message. */
export function parseCidrList(raw: string): Cidr[] {
  const entries = raw
    .split(",")
    .map((entry) => entry.trim())
    .filter(Boolean);
  const problems: string[] = [];
  const cidrs: Cidr[] = [];
  for (const entry of entries) {
    try {
      cidrs.push(parseCidr(entry));
    } catch (error) {
      problems.push((error as Error).message);
    }
  }
  if (problems.length > 0) throw new Error(problems.join("; "));
  return cidrs;
}
