import ipaddr from "ipaddr.js";

/** An IP address as ipaddr.js models it; IPv4-mapped IPv6 is always unwrapped to IPv4 (see parseAddress). */
export type Address = ipaddr.IPv4 | ipaddr.IPv6;

/**
 * Parses an IP address written the usual way: dotted-quad IPv4 (no octal, hex or short forms, which
 * ipaddr.js would otherwise accept) or IPv6, optionally in brackets or with a zone. IPv4-mapped IPv6
 * (`::ffff:10.0.0.1`, as dual-stack sockets report IPv4 peers) becomes plain IPv4, so one CIDR entry,
 * one range rule and one rate-limit key cover both spellings. Null when the text is not an address.
 */
export function parseAddress(text: string): Address | null {
  const raw = text.trim().replace(/^\[(.*)\]$/, "$1");
  if (raw.includes(":")) {
    if (!ipaddr.IPv6.isValid(raw)) return null;
    const v6 = ipaddr.IPv6.parse(raw);
    return v6.isIPv4MappedAddress() ? v6.toIPv4Address() : v6;
  }
  return ipaddr.IPv4.isValidFourPartDecimal(raw) ? ipaddr.IPv4.parse(raw) : null;
}

/** The address as a host in a URL: IPv6 in brackets, without a zone (URLs cannot carry one). */
export function urlHost(address: Address): string {
  return address.kind() === "ipv6" ? `[${address.toNormalizedString().replace(/%.*$/, "")}]` : address.toString();
}

/** True for 127.0.0.0/8, ::1 (also mapped) and `localhost`, so `auth=none` can be refused elsewhere. */
export function isLoopbackHost(host: string): boolean {
  if (host === "localhost") return true;
  return parseAddress(host)?.range() === "loopback";
}
