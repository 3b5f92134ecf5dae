import { lookup } from "node:dns/promises";
import { parseAddress, urlHost, type Address } from "../net/address.ts";
import type { Cidr } from "../net/cidr.ts";
import { destinationVerdict } from "../net/ranges.ts";

/** Where one attempt connects: a checked IP literal, with the name the request and TLS still carry. */
export interface Destination {
  address: Address;
  /** The URL with its host replaced by the checked address, so nothing resolves the name again. */
  connectUrl: string;
  /** The Host header: the URL's host (and non-default port). */
  hostHeader: string;
  /** The TLS server name (SNI and certificate check) for https with a host name; null for an IP literal. */
  serverName: string | null;
  /** Key for connections that may be shared: same scheme, name and port. */
  origin: string;
}

export type DestinationResult =
  | { ok: true; destination: Destination }
  | { ok: false; kind: "refused_destination" | "connection_error"; error: string };

export type ResolveHost = (host: string) => Promise<string[]>;

export const resolveWithSystem: ResolveHost = async (host) =>
  (await lookup(host, { all: true, verbatim: true })).map((entry) => entry.address);

const ALLOW_HINT = "add its CIDR to MILLRACE_WEBHOOK_ALLOW_CIDRS if this destination is meant";

/**
 * Resolves the URL's host once and checks every address it resolves to. A name with any refused
 * address is refused as a whole rather than connecting to one of its allowed addresses: such a name
 * is misconfigured or hostile (DNS rebinding answers with both), and the outcome must not depend on
 * which address happens to come first.
 */
export async function resolveDestination(
  rawUrl: string,
  allow: readonly Cidr[],
  resolveHost: ResolveHost,
): Promise<DestinationResult> {
  let url: URL;
  try {
    url = new URL(rawUrl);
  } catch {
    return refused(`delivery.url "${rawUrl}" is not a URL`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:")
    return refused(`${url.protocol} URLs are not delivered to`);
  if (url.username !== "" || url.password !== "") return refused("URLs with credentials are not delivered to");

  // The URL parser has already turned decimal, hex and short IPv4 spellings into dotted form.
  const literal = parseAddress(url.hostname);
  let addresses: Address[];
  if (literal) {
    addresses = [literal];
  } else {
    let answers: string[];
    try {
      answers = await resolveHost(url.hostname);
    } catch (error) {
      return { ok: false, kind: "connection_error", error: `cannot resolve ${url.hostname}: ${describe(error)}` };
    }
    const parsed = answers.map((answer) => parseAddress(answer));
    if (parsed.length === 0) return { ok: false, kind: "connection_error", error: `${url.hostname} has no address` };
    if (parsed.some((address) => address === null)) return refused(`${url.hostname} resolved to a non-address`);
    addresses = parsed as Address[];
  }

  for (const address of addresses) {
    const verdict = destinationVerdict(address, allow);
    if (!verdict.allowed) {
      const via = literal ? "" : `${url.hostname} resolves to `;
      return refused(`${via}${address.toString()} (${verdict.range}), which webhooks may not reach; ${ALLOW_HINT}`);
    }
  }
  const address = addresses[0]!;
  const port = url.port === "" ? (url.protocol === "https:" ? "443" : "80") : url.port;
  return {
    ok: true,
    destination: {
      address,
      connectUrl: `${url.protocol}//${urlHost(address)}:${port}${url.pathname}${url.search}`,
      hostHeader: url.host,
      serverName: url.protocol === "https:" && !literal ? url.hostname : null,
      origin: `${url.protocol}//${url.host}`,
    },
  };
}

function refused(error: string): DestinationResult {
  return { ok: false, kind: "refused_destination", error };
}

export function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as { code?: unknown }).code;
  return typeof code === "string" && !error.message.includes(code) ? `${code}: ${error.message}` : error.message;
}
