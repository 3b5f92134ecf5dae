import { errorResponse } from "../errors.ts";

const ALLOWED_METHODS = "GET, POST, PUT, DELETE";
const ALLOWED_HEADERS = new Set(["authorization", "content-type", "idempotency-key", "x-request-id"]);
const EXPOSED_HEADERS = "Retry-After, RateLimit-Limit, RateLimit-Remaining, RateLimit-Reset, X-Request-Id";
const PREFLIGHT_MAX_AGE_SECONDS = "600";

/** The CORS allowlist (MILLRACE_CORS_ORIGINS): empty refuses every cross-origin browser call. */
export class Cors {
  private readonly origins: ReadonlySet<string>;
  private readonly any: boolean;

  constructor(origins: readonly string[]) {
    this.origins = new Set(origins);
    this.any = this.origins.has("*");
  }

  allows(origin: string): boolean {
    return this.any || this.origins.has(origin.toLowerCase());
  }

  /** Answers a preflight (OPTIONS with Access-Control-Request-Method); null for other requests. */
  preflight(method: string, headers: Headers): Response | null {
    if (method !== "OPTIONS") return null;
    const requestedMethod = headers.get("access-control-request-method");
    const origin = headers.get("origin");
    if (requestedMethod === null || origin === null) return null;
    if (!this.allows(origin)) {
      return errorResponse(
        403,
        "cors_origin_not_allowed",
        `the origin ${origin} is not allowed to call this API; add it to MILLRACE_CORS_ORIGINS`,
      );
    }
    if (!ALLOWED_METHODS.includes(requestedMethod.toUpperCase())) {
      return errorResponse(403, "cors_method_not_allowed", `CORS allows only ${ALLOWED_METHODS}`);
    }
    const requestedHeaders = (headers.get("access-control-request-headers") ?? "")
      .split(",")
      .map((h) => h.trim().toLowerCase())
      .filter(Boolean);
    const refused = requestedHeaders.filter((h) => !ALLOWED_HEADERS.has(h));
    if (refused.length > 0) {
      return errorResponse(
        403,
        "cors_header_not_allowed",
        `CORS allows only the request headers ${[...ALLOWED_HEADERS].join(", ")}; not ${refused.join(", ")}`,
      );
    }
    return new Response(null, {
      status: 204,
      headers: {
        "access-control-allow-origin": origin,
        "access-control-allow-methods": ALLOWED_METHODS,
        "access-control-allow-headers": [...ALLOWED_HEADERS].join(", "),
        "access-control-max-age": PREFLIGHT_MAX_AGE_SECONDS,
        vary: "Origin, Access-Control-Request-Method, Access-Control-Request-Headers",
      },
    });
  }

  /** Adds the CORS headers to an actual response for an allowed origin. */
  decorate(response: Response, origin: string | null): void {
    if (origin === null || !this.allows(origin)) return;
    response.headers.set("access-control-allow-origin", origin);
    response.headers.set("access-control-expose-headers", EXPOSED_HEADERS);
    response.headers.append("vary", "Origin");
  }
}
