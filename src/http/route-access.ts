import type { Scope } from "../auth/principal.ts";

/** What a request needs: a route template (the metrics and log label) and, for /v1, its access rule. */
export interface RouteAccess {
  route: string;
  /** Any one of these scopes suffices; empty for public routes (health, metrics, docs). */
  scopes: readonly Scope[];
  /** The queue or topic name the principal's patterns must allow; null when none applies. */
  resource: string | null;
}

const PUBLISH: readonly Scope[] = ["publish"];
const CONSUME: readonly Scope[] = ["consume"];
const ADMIN: readonly Scope[] = ["admin"];
const ANY: readonly Scope[] = ["publish", "consume", "admin"];
const PUBLIC: readonly Scope[] = [];

const QUEUE_ACTIONS: Record<string, { route: string; scopes: readonly Scope[] }> = {
  messages: { route: "/v1/queues/:queue/messages", scopes: PUBLISH },
  receive: { route: "/v1/queues/:queue/receive", scopes: CONSUME },
  ack: { route: "/v1/queues/:queue/ack", scopes: CONSUME },
  nack: { route: "/v1/queues/:queue/nack", scopes: CONSUME },
  extend: { route: "/v1/queues/:queue/extend", scopes: CONSUME },
  purge: { route: "/v1/queues/:queue/purge", scopes: ADMIN },
  dead: { route: "/v1/queues/:queue/dead", scopes: ADMIN },
};

/**
 * Maps a request to its route template and required access, from the path alone and before any
 * body is read. It mirrors the route table in routes/; `route-access.test.ts` checks that every
 * route Elysia serves is classified. Unknown /v1 paths need admin, so probing them reveals nothing.
 */
export function classify(method: string, path: string): RouteAccess {
  if (!path.startsWith("/v1/")) return { route: publicRoute(path), scopes: PUBLIC, resource: null };
  const parts = path.split("/");
  // parts[0] is "" and parts[1] is "v1".
  const collection = parts[2];
  const name = parts[3] === undefined ? null : decode(parts[3]);
  if (collection === "queues") {
    if (parts.length === 3 || (parts.length === 4 && parts[3] === "")) {
      return { route: "/v1/queues", scopes: ADMIN, resource: null };
    }
    if (name === null) return unmatched();
    if (parts.length === 4)
      return { route: "/v1/queues/:queue", scopes: method === "GET" ? ANY : ADMIN, resource: name };
    const action = QUEUE_ACTIONS[parts[4]!];
    if (!action) return unmatched();
    if (parts.length === 5) return { route: action.route, scopes: action.scopes, resource: name };
    if (parts.length === 6 && parts[4] === "messages") {
      return { route: "/v1/queues/:queue/messages/:id", scopes: CONSUME, resource: name };
    }
    if (parts.length === 6 && parts[4] === "dead" && parts[5] === "redrive") {
      return { route: "/v1/queues/:queue/dead/redrive", scopes: ADMIN, resource: name };
    }
    return unmatched();
  }
  if (collection === "topics" && name !== null) {
    if (parts.length === 4) return { route: "/v1/topics/:topic", scopes: ADMIN, resource: name };
    if (parts.length === 5 && parts[4] === "events") {
      return { route: "/v1/topics/:topic/events", scopes: PUBLISH, resource: name };
    }
    if (parts.length === 5 && parts[4] === "subscriptions") {
      return { route: "/v1/topics/:topic/subscriptions", scopes: ADMIN, resource: name };
    }
    if (parts.length === 6 && parts[4] === "subscriptions") {
      return { route: "/v1/topics/:topic/subscriptions/:name", scopes: ADMIN, resource: name };
    }
  }
  return unmatched();
}

const PUBLIC_ROUTES = new Set(["/health", "/health/live", "/health/ready", "/metrics", "/openapi.json"]);

function publicRoute(path: string): string {
  if (PUBLIC_ROUTES.has(path)) return path;
  if (path === "/docs" || path.startsWith("/docs/")) return "/docs";
  return "unmatched";
}

function unmatched(): RouteAccess {
  return { route: "unmatched", scopes: ADMIN, resource: null };
}

function decode(segment: string): string | null {
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
