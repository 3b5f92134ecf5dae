import { randomUUID } from "node:crypto";
import type { Server } from "bun";
import type { ApiKeyAuthenticator } from "../auth/api-key-authenticator.ts";
import type { Principal } from "../auth/principal.ts";
import type { Broker } from "../broker/broker.ts";
import type { HostPort } from "../config/parsers.ts";
import type { Logger } from "../observability/logger.ts";
import { errorContext } from "../observability/logger.ts";
import { ACTIONS } from "./actions/index.ts";
import { invalidAction, SqsError, toSqsError } from "./errors.ts";
import { jsonError, jsonResponse, parseJsonRequest } from "./json-protocol.ts";
import type { Params } from "./params.ts";
import { parseQueryRequest, queryError, queryResponse } from "./query-protocol.ts";
import { baseUrlOf, queueOfPath } from "./queue-url.ts";
import { verifySigV4 } from "./sigv4.ts";

export interface SqsListenerOptions {
  listen: HostPort;
  broker: Broker;
  /** Where access keys come from; null only when Millrace runs without authentication. */
  keys: Pick<ApiKeyAuthenticator, "accessKey"> | null;
  publicUrl: string | null;
  maxBodyBytes: number;
  idleTimeoutSeconds: number;
  logger: Logger;
  clock?: () => number;
}

const DEFAULT_REGION = "us-east-1";

/** The SQS-compatible listener (MILLRACE_SQS_LISTEN): both wire protocols, SigV4, over the same broker. */
export function startSqsListener(options: SqsListenerOptions): Server<unknown> {
  const handle = sqsHandler(options);
  return Bun.serve({
    hostname: options.listen.host,
    port: options.listen.port,
    // Long-polls last up to 20 s; Bun's idle timeout must not cut them.
    idleTimeout: Math.max(options.idleTimeoutSeconds, 30),
    development: false,
    reusePort: false,
    maxRequestBodySize: options.maxBodyBytes,
    fetch: handle,
  });
}

export function sqsHandler(options: SqsListenerOptions): (request: Request) => Promise<Response> {
  const clock = options.clock ?? Date.now;
  return async (request) => {
    const requestId = randomUUID();
    const json = request.headers.has("x-amz-target");
    try {
      const url = new URL(request.url);
      const rawPath = rawPathOf(request.url);
      if (request.method !== "POST" && request.method !== "GET") {
        throw invalidAction(
          `${request.method} is not an SQS request; SQS requests are POST (or GET with a query string)`,
        );
      }
      const body = new Uint8Array(await request.arrayBuffer());
      const { principal, region } = authenticate(options, request, url, rawPath, body, clock());
      const { action, params } = decode(request, url, body, json);
      const pathQueue = queueOfPath(url.pathname);
      const handler = Object.hasOwn(ACTIONS, action) ? ACTIONS[action] : undefined;
      if (!handler) throw invalidAction(`The action ${action.slice(0, 64)} is not valid for this endpoint.`);
      const result = await handler({
        broker: options.broker,
        principal,
        params,
        pathQueue,
        baseUrl: baseUrlOf(request, options.publicUrl),
        region,
        signal: request.signal,
      });
      return json ? jsonResponse(result, requestId) : queryResponse(action, result, requestId);
    } catch (error) {
      const sqs = toSqsError(error);
      if (sqs.status >= 500)
        options.logger.error("sqs request failed", { request_id: requestId, ...errorContext(error) });
      return json ? jsonError(sqs, requestId) : queryError(sqs, requestId);
    }
  };
}

function authenticate(
  options: SqsListenerOptions,
  request: Request,
  url: URL,
  rawPath: string,
  body: Uint8Array,
  now: number,
): { principal: Principal | null; region: string } {
  const region = regionOf(request.headers.get("authorization")) ?? DEFAULT_REGION;
  // Without authentication (loopback only, by configuration) signatures are not checked.
  if (options.keys === null) return { principal: null, region };
  const keys = options.keys;
  const principal = verifySigV4(
    { method: request.method, rawPath, rawQuery: url.search.slice(1), headers: request.headers, body },
    (id) => keys.accessKey(id),
    now,
  );
  return { principal, region };
}

function regionOf(authorization: string | null): string | null {
  const match = /Credential=[^/]+\/\d{8}\/([A-Za-z0-9-]{1,32})\//.exec(authorization ?? "");
  return match ? match[1]! : null;
}

function decode(request: Request, url: URL, body: Uint8Array, json: boolean): { action: string; params: Params } {
  const text = new TextDecoder().decode(body);
  if (json) return parseJsonRequest(request.headers.get("x-amz-target") ?? "", text);
  const form = new URLSearchParams(url.search);
  const type = request.headers.get("content-type") ?? "";
  if (request.method === "POST") {
    if (!type.startsWith("application/x-www-form-urlencoded") && text !== "") {
      throw new SqsError(
        "InvalidParameterValue",
        "InvalidParameterValue",
        400,
        "send the query protocol as application/x-www-form-urlencoded, or the JSON protocol with X-Amz-Target",
      );
    }
    for (const [key, value] of new URLSearchParams(text)) form.append(key, value);
  }
  return parseQueryRequest(form);
}

/** The path as the client sent it, still percent-encoded (the signature covers that form). */
function rawPathOf(requestUrl: string): string {
  const afterScheme = requestUrl.indexOf("//");
  const start = requestUrl.indexOf("/", afterScheme + 2);
  if (start < 0) return "/";
  const end = requestUrl.search(/[?#]/);
  return requestUrl.slice(start, end < 0 ? undefined : end);
}
