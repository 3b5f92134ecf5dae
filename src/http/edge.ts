import type { Server } from "bun";
import { AuthError } from "../auth/auth-error.ts";
import type { Authenticator } from "../auth/authenticator.ts";
import type { Principal } from "../auth/principal.ts";
import type { Cidr } from "../net/cidr.ts";
import type { Logger } from "../observability/logger.ts";
import type { Metrics } from "../observability/metrics.ts";
import { errorResponse, internalErrorResponse } from "./errors.ts";
import { authorize } from "./plugins/authorize.ts";
import { clientIp } from "./plugins/client-ip.ts";
import type { Cors } from "./plugins/cors.ts";
import type { RateDecision, TokenBucketLimiter } from "./plugins/rate-limit.ts";
import { headerBytes, requestIdOf } from "./plugins/request-id.ts";
import { applySecurityHeaders } from "./plugins/security-headers.ts";
import { classify, pathOf } from "./route-access.ts";

export interface EdgeOptions {
  /** The routed application (Elysia's fetch). */
  handle: (request: Request) => Promise<Response> | Response;
  logger: Logger;
  metrics: Metrics | null;
  authenticator: Authenticator | null;
  limiter: TokenBucketLimiter | null;
  cors: Cors;
  trustedProxies: readonly Cidr[];
  maxHeaderBytes: number;
  accessLog: boolean;
  requestIds: WeakMap<Request, string>;
}

const METHODS = new Set(["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"]);

type Child = { inc(): void };

/**
 * Everything every request goes through, around the routed app: request id, header limit,
 * CORS, authentication and authorization, the rate limit, then security headers, metrics and
 * the access log on the way out. It wraps the app at the server (not as Elysia hooks) so that
 * every response gets the same headers and is counted once, whichever layer produced it.
 */
export class Edge {
  private inFlight = 0;
  private readonly requestCounters = new Map<string, Child>();
  private readonly durations = new Map<string, { observe(v: number): void }>();

  constructor(private readonly options: EdgeOptions) {
    if (options.metrics) options.metrics.inFlight.read = () => this.inFlight;
  }

  requestsInFlight(): number {
    return this.inFlight;
  }

  readonly fetch = async (request: Request, server: Server<unknown>): Promise<Response> => {
    const started = performance.now();
    this.inFlight += 1;
    const { headers } = request;
    // Methods are client-chosen; bound the label values.
    const method = METHODS.has(request.method) ? request.method : "OTHER";
    const access = classify(method, pathOf(request.url));
    const requestId = requestIdOf(headers);
    let principal: Principal | null = null;
    let rate: RateDecision | null = null;
    let response: Response;
    try {
      this.options.requestIds.set(request, requestId);
      [response, principal, rate] = await this.process(request, server, access);
    } catch (error) {
      response = internalErrorResponse(error, this.options.logger, requestId);
    }
    const out = response.headers;
    out.set("x-request-id", requestId);
    applySecurityHeaders(out, access.route);
    if (rate) {
      out.set("ratelimit-limit", String(rate.limit));
      out.set("ratelimit-remaining", String(rate.remaining));
      out.set("ratelimit-reset", String(rate.resetSeconds));
    }
    this.options.cors.decorate(response, headers.get("origin"));
    this.inFlight -= 1;
    this.record(method, access.route, response.status, started, requestId, principal);
    return response;
  };

  private async process(
    request: Request,
    server: Server<unknown>,
    access: ReturnType<typeof classify>,
  ): Promise<[Response, Principal | null, RateDecision | null]> {
    const { headers, method } = request;
    const size = headerBytes(headers);
    if (size > this.options.maxHeaderBytes) {
      return [
        errorResponse(
          431,
          "headers_too_large",
          `the request headers are ${size} bytes, over the limit of ${this.options.maxHeaderBytes}; send fewer or shorter headers, or raise MILLRACE_MAX_HEADER_BYTES`,
          { limit: this.options.maxHeaderBytes },
        ),
        null,
        null,
      ];
    }
    const preflight = this.options.cors.preflight(method, headers);
    if (preflight) return [preflight, null, null];

    if (access.scopes.length === 0) return [await this.options.handle(request), null, null];
    const { authenticator, limiter, metrics } = this.options;

    let principal: Principal | null = null;
    if (authenticator) {
      try {
        principal = await authorize(authenticator, access, headers.get("authorization"));
      } catch (error) {
        if (!(error instanceof AuthError)) throw error;
        metrics?.authFailures.labels(error.code).inc();
        // Refusals still cost the client's address a token, so guessing credentials is rate limited too.
        const rate = limiter?.take(this.ipKey(request, server)) ?? null;
        if (rate && !rate.allowed) return [this.tooMany(rate), null, rate];
        return [authErrorResponse(error), null, rate];
      }
    }

    let rate: RateDecision | null = null;
    if (limiter) {
      rate = limiter.take(principal?.id ?? this.ipKey(request, server));
      if (!rate.allowed) return [this.tooMany(rate), principal, rate];
    }
    return [await this.options.handle(request), principal, rate];
  }

  private ipKey(request: Request, server: Server<unknown>): string {
    const peer = server.requestIP(request)?.address ?? null;
    return `ip:${clientIp(peer, request.headers.get("x-forwarded-for"), this.options.trustedProxies)}`;
  }

  private tooMany(rate: RateDecision): Response {
    this.options.metrics?.rateLimited.inc();
    return errorResponse(
      429,
      "rate_limited",
      `too many requests; at most ${rate.limit} at once and more as the limit refills. Retry after ${rate.retryAfterSeconds} s`,
      { retryAfterSeconds: rate.retryAfterSeconds },
      { "retry-after": String(rate.retryAfterSeconds) },
    );
  }

  private record(
    method: string,
    route: string,
    status: number,
    started: number,
    requestId: string,
    principal: Principal | null,
  ): void {
    const seconds = (performance.now() - started) / 1000;
    const { metrics, logger } = this.options;
    if (metrics) {
      const key = `${method} ${route} ${status}`;
      let counter = this.requestCounters.get(key);
      if (!counter) {
        counter = metrics.httpRequests.labels(method, route, String(status));
        this.requestCounters.set(key, counter);
      }
      counter.inc();
      const durationKey = `${method} ${route}`;
      let histogram = this.durations.get(durationKey);
      if (!histogram) {
        histogram = metrics.httpDuration.labels(method, route);
        this.durations.set(durationKey, histogram);
      }
      histogram.observe(seconds);
    }
    if (this.options.accessLog || status >= 500) {
      logger[status >= 500 ? "error" : "info"]("request", {
        request_id: requestId,
        method,
        route,
        status,
        duration_ms: Math.round(seconds * 1e6) / 1000,
        ...(principal ? { principal: principal.id } : {}),
      });
    }
  }
}

function authErrorResponse(error: AuthError): Response {
  // RFC 6750: a challenge on 401, naming the problem unless credentials were simply absent.
  const headers: Record<string, string> = {};
  if (error.status === 401) {
    headers["www-authenticate"] =
      error.code === "missing_credentials"
        ? 'Bearer realm="millrace"'
        : 'Bearer realm="millrace", error="invalid_token"';
  }
  return errorResponse(error.status, error.code, error.message, undefined, headers);
}
