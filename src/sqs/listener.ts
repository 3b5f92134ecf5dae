import type { Server } from "bun";
import type { Principal } from "../auth/principal.ts";
import type { HostPort } from "../config/parsers.ts";
import type { Cidr } from "../net/cidr.ts";
import { clientIp } from "../http/plugins/client-ip.ts";
import type { TokenBucketLimiter } from "../http/plugins/rate-limit.ts";
import type { Metrics } from "../observability/metrics.ts";
import { SqsError } from "./errors.ts";
import { sqsHandler, type SqsHandlerOptions } from "./handler.ts";

export interface SqsListenerOptions extends Omit<SqsHandlerOptions, "admit" | "observe"> {
  listen: HostPort;
  maxBodyBytes: number;
  idleTimeoutSeconds: number;
  metrics: Metrics | null;
  /** The per-principal token bucket (MILLRACE_RATE_LIMIT_*), or null when off. */
  limiter: TokenBucketLimiter | null;
  trustedProxies: readonly Cidr[];
  accessLog: boolean;
}

/**
 * The SQS-compatible listener (MILLRACE_SQS_LISTEN): both wire protocols and SigV4 over the same
 * broker, with the API's rate limit per principal (per client IP when anonymous), request
 * metrics under the route `sqs:<Action>`, and the access log.
 */
export function startSqsListener(options: SqsListenerOptions): Server<unknown> {
  let server: Server<unknown> | null = null;
  const peerOf = (request: Request) => server?.requestIP(request)?.address ?? null;
  const handle = sqsHandler({
    ...options,
    admit: (principal, request) => admit(options, principal, request, peerOf(request)),
    observe: (outcome) => {
      const route = `sqs:${outcome.action}`;
      options.metrics?.httpRequests.labels("POST", route, String(outcome.status)).inc();
      const fault = outcome.status >= 500 && outcome.status !== 503;
      if (options.accessLog || fault) {
        options.logger[fault ? "error" : "info"]("request", {
          request_id: outcome.requestId,
          route,
          status: outcome.status,
          ...(outcome.code ? { code: outcome.code } : {}),
          ...(outcome.principal ? { principal: outcome.principal.id } : {}),
        });
      }
    },
  });
  server = Bun.serve({
    hostname: options.listen.host,
    port: options.listen.port,
    // Long-polls last up to 20 s; the idle timeout must not cut them.
    idleTimeout: Math.max(options.idleTimeoutSeconds, 30),
    development: false,
    reusePort: false,
    maxRequestBodySize: options.maxBodyBytes,
    fetch: async (request) => {
      const at = performance.now();
      const response = await handle(request);
      options.metrics?.httpDuration.labels("POST", "sqs").observe((performance.now() - at) / 1000);
      return response;
    },
  });
  return server;
}

function admit(options: SqsListenerOptions, principal: Principal | null, request: Request, peer: string | null): void {
  if (!options.limiter) return;
  const key = principal?.id ?? `ip:${clientIp(peer, request.headers.get("x-forwarded-for"), options.trustedProxies)}`;
  const decision = options.limiter.take(key);
  if (decision.allowed) return;
  options.metrics?.rateLimited.inc();
  // RequestThrottled is one of the codes the SDKs retry with backoff.
  throw new SqsError(
    "RequestThrottled",
    "RequestThrottled",
    403,
    `too many requests; at most ${decision.limit} at once and more as the limit refills. Retry after ${decision.retryAfterSeconds} s`,
  );
}
