import { parseAddress, type Address } from "./address.ts";

/** One CIDR block, as written (`text`) and as ipaddr.js matches it. */
export interface Cidr {
  readonly text: string;
  readonly network: Address;
  readonly prefix: number;
}

/** Parses `10.0.0.0/8`, `fd00::/8`, or a bare address (a /32 or /128); throws saying what is wrong. */
export function parseCidr(text: string): Cidr {
  const trimmed = text.trim();
  const [addressText = "", prefixText, extra] = trimmed.split("/");
  const network = parseAddress(addressText);
  if (!network || extra !== undefined) {
    throw new Error(`"${trimmed}" is not a CIDR; write it like 10.0.0.0/8, 192.168.1.10 or fd00::/8`);
  }
  const max = network.kind() === "ipv4" ? 32 : 128;
  // A mapped IPv4 network was unwrapped to IPv4; its written prefix counted the 96 mapping bits.
  const mapped = addressText.includes(":") && network.kind() === "ipv4";
  if (prefixText === undefined) return { text: trimmed, network, prefix: max };
  const prefix = Number(prefixText) - (mapped ? 96 : 0);
  if (!/^\d{1,3}$/.test(prefixText) || prefix < 0 || prefix > max) {
    throw new Error(`"${trimmed}" has a bad prefix length; use /0 to /${mapped ? max + 96 : max}`);
  }
  return { text: trimmed, network, prefix };
}

export function cidrContains(cidr: Cidr, address: Address): boolean {
  return address.kind() === cidr.network.kind() && address.match(cidr.network, cidr.prefix);
}

/** Whether any block holds the address; text that is not an address is in none. */
export function anyCidrContains(cidrs: readonly Cidr[], address: string | Address): boolean {
  if (cidrs.length === 0) return false;
  const parsed = typeof address === "string" ? parseAddress(address) : address;
  return parsed !== null && cidrs.some((cidr) => cidrContains(cidr, parsed));
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
