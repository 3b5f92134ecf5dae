import { anyCidrContains, type Cidr } from "../../net/cidr.ts";

/**
 * The client's address: the socket peer, unless the peer is a trusted proxy, in which case the
 * right-most X-Forwarded-For entry that is not itself a trusted proxy. Entries further left are
 * written by the client and cannot be believed.
 */
export function clientIp(peer: string | null, forwardedFor: string | null, trusted: readonly Cidr[]): string {
  const socket = peer ?? "unknown";
  if (forwardedFor === null || trusted.length === 0 || !anyCidrContains(trusted, socket)) return socket;
  const hops = forwardedFor.split(",");
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = hops[i]!.trim();
    if (hop === "") continue;
    if (!anyCidrContains(trusted, hop)) return hop;
  }
  return hops[0]?.trim() || socket;
}
