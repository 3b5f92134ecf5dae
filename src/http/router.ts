import type { Method, RouteDefinition } from "./route.ts";

export type Match =
  | { kind: "route"; route: RouteDefinition; params: Record<string, string> }
  | { kind: "method_not_allowed"; allow: readonly Method[] }
  | { kind: "not_found" };

/** Paths the router remembers its answer for. */
const RECENT_LIMIT = 4096;
/**
 * Longer paths are matched every time, never remembered: names are at most 128 characters (two in
 * a subscription path), so real API paths fit, and hostile long paths cannot fill the cache.
 */
const RECENT_PATH_MAX = 320;

interface CompiledRoute {
  route: RouteDefinition;
  /** One entry per path segment: a literal to compare, or the name of a parameter. */
  segments: Array<{ literal: string } | { param: string }>;
}

/**
 * Matches a request path against the route table, exactly: segment by segment, case-sensitive,
 * with no trailing-slash, double-slash or dot-segment leniency. Literal segments are compared as
 * sent (an encoded `%6Dessages` is not `messages`); parameters are percent-decoded once. The
 * route this returns is the one whose access rule is checked and whose handler runs, so no
 * spelling of a path can be authorised as one route and served as another.
 */
export class Router {
  private readonly byLength = new Map<number, CompiledRoute[]>();
  /**
   * Recent answers by method and path. Clients repeat the same few paths (one queue's publish
   * URL), and a lookup costs a fraction of splitting, comparing and decoding again; a match is a
   * pure function of the two, so the cache cannot answer differently than matching would.
   * Cleared when full, so hostile paths cost a match each and never grow memory.
   */
  private readonly recent = new Map<string, Map<string, Match>>();
  private recentSize = 0;

  constructor(routes: readonly RouteDefinition[]) {
    const seen = new Set<string>();
    for (const route of routes) {
      const key = `${route.method} ${route.path}`;
      if (seen.has(key)) throw new Error(`route declared twice: ${key}`);
      seen.add(key);
      const parts = route.path.split("/").slice(1);
      const compiled: CompiledRoute = {
        route,
        segments: parts.map((part) => (part.startsWith(":") ? { param: part.slice(1) } : { literal: part })),
      };
      const list = this.byLength.get(parts.length) ?? [];
      list.push(compiled);
      this.byLength.set(parts.length, list);
    }
    // A literal beats a parameter in the same place (`/dead/redrive` before `/messages/:id`).
    for (const list of this.byLength.values()) list.sort((a, b) => specificity(b) - specificity(a));
  }

  match(requestMethod: string, path: string): Match {
    let byPath = this.recent.get(requestMethod);
    const known = byPath?.get(path);
    if (known) return known;
    const match = this.matchPath(requestMethod, path);
    if (path.length > RECENT_PATH_MAX) return match;
    if (match.kind === "route") Object.freeze(match.params);
    if (this.recentSize >= RECENT_LIMIT) {
      this.recent.clear();
      this.recentSize = 0;
      byPath = undefined;
    }
    if (!byPath) this.recent.set(requestMethod, (byPath = new Map<string, Match>()));
    byPath.set(path, match);
    this.recentSize += 1;
    return match;
  }

  private matchPath(requestMethod: string, path: string): Match {
    if (path.length === 0 || path[0] !== "/") return { kind: "not_found" };
    // HEAD is GET without the body (Bun drops it), so probes may use either.
    const method = requestMethod === "HEAD" ? "GET" : requestMethod;
    // The leading "/" makes parts[0] empty; segments start at index 1.
    const parts = path.split("/");
    const candidates = this.byLength.get(parts.length - 1);
    if (!candidates) return { kind: "not_found" };
    const allow: Method[] = [];
    for (const candidate of candidates) {
      const params = matchSegments(candidate, parts);
      if (params === null) continue;
      if (candidate.route.method === method) return { kind: "route", route: candidate.route, params };
      allow.push(candidate.route.method);
    }
    return allow.length > 0 ? { kind: "method_not_allowed", allow } : { kind: "not_found" };
  }
}

function matchSegments(candidate: CompiledRoute, parts: string[]): Record<string, string> | null {
  const params: Record<string, string> = {};
  for (let i = 1; i < parts.length; i++) {
    const segment = candidate.segments[i - 1]!;
    const part = parts[i]!;
    if ("literal" in segment) {
      if (segment.literal !== part) return null;
      continue;
    }
    if (part === "") return null;
    const decoded = decode(part);
    if (decoded === null) return null;
    params[segment.param] = decoded;
  }
  return params;
}

function specificity(compiled: CompiledRoute): number {
  // Earlier literals weigh more, so the first place two routes differ decides.
  let score = 0;
  for (const segment of compiled.segments) score = score * 2 + ("literal" in segment ? 1 : 0);
  return score;
}

function decode(segment: string): string | null {
  // Most names carry no escapes, and decodeURIComponent (with its try) is the costliest step here.
  if (!segment.includes("%")) return segment;
  try {
    return decodeURIComponent(segment);
  } catch {
    return null;
  }
}

/** The path of a request URL without parsing it into a URL object (this runs on every request). */
export function pathOf(url: string): string {
  const start = url.indexOf("/", url.indexOf("//") + 2);
  if (start < 0) return "/";
  const query = url.indexOf("?", start);
  return query < 0 ? url.slice(start) : url.slice(start, query);
}
