import ipaddr from "ipaddr.js";
import type { Address } from "./address.ts";
import { anyCidrContains, type Cidr } from "./cidr.ts";

/**
 * Why an address may not be a webhook destination, or "public". The names are ipaddr.js's range
 * names (loopback, linkLocal, private, carrierGradeNat, multicast, unspecified, broadcast, reserved,
 * uniqueLocal, teredo, …) plus "notGlobalUnicast" for IPv6 outside 2000::/3 that ipaddr.js calls unicast.
 */
// A plain string: ipaddr.js returns range names its typings do not list (discard, segmentRouting, …).
export type AddressClass = string;

// Ranges that carry an IPv4 address inside an IPv6 one; the IPv4 decides, so a private IPv4 cannot
// be reached through a gateway that unwraps it. 64:ff9b:1::/48 (local-use NAT64) and teredo (whose
// client address is obfuscated) are not unwrapped: they stay refused.
const EMBEDDING = {
  rfc6145: (v6: ipaddr.IPv6) => lastIpv4(v6),
  "6to4": (v6: ipaddr.IPv6) =>
    new ipaddr.IPv4([v6.parts[1]! >> 8, v6.parts[1]! & 0xff, v6.parts[2]! >> 8, v6.parts[2]! & 0xff]),
} as const;
const NAT64_WELL_KNOWN: [ipaddr.IPv6, number] = [ipaddr.IPv6.parse("64:ff9b::"), 96];
const GLOBAL_UNICAST: [ipaddr.IPv6, number] = [ipaddr.IPv6.parse("2000::"), 3];

function lastIpv4(v6: ipaddr.IPv6): ipaddr.IPv4 {
  const [high, low] = [v6.parts[6]!, v6.parts[7]!];
  return new ipaddr.IPv4([high >> 8, high & 0xff, low >> 8, low & 0xff]);
}

/** The IPv4 address an IPv6 one carries for a translator or tunnel to reach, if ipaddr.js names such a range. */
export function embeddedIpv4(address: Address): ipaddr.IPv4 | null {
  if (address.kind() !== "ipv6") return null;
  const v6 = address as ipaddr.IPv6;
  if (v6.match(NAT64_WELL_KNOWN)) return lastIpv4(v6);
  const range = v6.range();
  return range in EMBEDDING ? EMBEDDING[range as keyof typeof EMBEDDING](v6) : null;
}

/**
 * Classifies a destination address: "public" only for ordinary unicast (IPv4 outside every special
 * range; IPv6 inside 2000::/3 and outside every special range), judging an embedded IPv4 by itself.
 */
export function classifyAddress(address: Address): AddressClass {
  const embedded = embeddedIpv4(address);
  if (embedded) return classifyAddress(embedded);
  const range = address.range();
  if (range !== "unicast") return range;
  if (address.kind() === "ipv6" && !(address as ipaddr.IPv6).match(GLOBAL_UNICAST)) return "notGlobalUnicast";
  return "public";
}

/** A destination is allowed when it is public or inside an allow CIDR; otherwise the reason names its range. */
export function destinationVerdict(
  address: Address,
  allow: readonly Cidr[],
): { allowed: boolean; range: AddressClass } {
  const range = classifyAddress(address);
  if (range === "public" || anyCidrContains(allow, address)) return { allowed: true, range };
  const embedded = embeddedIpv4(address);
  if (embedded && anyCidrContains(allow, embedded)) return { allowed: true, range };
  return { allowed: false, range };
}
