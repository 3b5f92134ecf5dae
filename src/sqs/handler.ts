import { randomUUID } from "node:crypto";
import type { ApiKeyAuthenticator } from "../auth/api-key-authenticator.ts";
import type { Principal } from "../auth/principal.ts";
import type { Broker } from "../broker/broker.ts";
import type { Logger } from "../observability/logger.ts";
import { errorContext } from "../observability/logger.ts";
import { ACTIONS } from "./actions/index.ts";
import { invalidAction, SqsError, toSqsError } from "./errors.ts";
import { jsonError, jsonResponse, parseJsonRequest } from "./json-protocol.ts";
import type { Params } from "./params.ts";
import { parseQueryRequest, queryError, queryResponse } from "./query-protocol.ts";
import { baseUrlOf, queueOfPath } from "./queue-url.ts";
import { verifySigV4 } from "./sigv4.ts";

export interface SqsHandlerOptions {
  broker: Broker;
  /** Where access keys come from; null only when Millrace runs without authentication. */
  keys: Pick<ApiKeyAuthenticator, "accessKey"> | null;
  publicUrl: string | null;
  logger: Logger;
  /** Called once the caller is known, before the action runs; throws to refuse (rate limits). */
  admit?: (principal: Principal | null, request: Request) => void;
  /** Told of every answered request, for metrics and the access log. */
  observe?: (outcome: SqsOutcome) => void;
  clock?: () => number;
}

export interface SqsOutcome {
  action: string;
  status: number;
  requestId: string;
  principal: Principal | null;
  /** The SQS error code when refused. */
  code: string | null;
}

const DEFAULT_REGION = "us-east-1";

export function sqsHandler(options: SqsHandlerOptions): (request: Request) => Promise<Response> {
  const clock = options.clock ?? Date.now;
  return async (request) => {
    const requestId = randomUUID();
    const json = request.headers.has("x-amz-target");
    let action = "unknown";
    let principal: Principal | null = null;
    const answer = (response: Response, code: string | null): Response => {
      options.observe?.({ action, status: response.status, requestId, principal, code });
      return response;
    };
    try {
      const url = new URL(request.url);
      const rawPath = rawPathOf(request.url);
      if (request.method !== "POST" && request.method !== "GET") {
        throw invalidAction(
          `${request.method} is not an SQS request; SQS requests are POST (or GET with a query string)`,
        );
      }
      const body = new Uint8Array(await request.arrayBuffer());
      let authenticated: { principal: Principal | null; region: string };
      try {
        authenticated = authenticate(options, request, url, rawPath, body, clock());
      } catch (error) {
        // Refused credentials cost a token of the caller's address, so guessing is rate limited.
        options.admit?.(null, request);
        throw error;
      }
      principal = authenticated.principal;
      const decoded = decode(request, url, body, json);
      const params = decoded.params;
      action = Object.hasOwn(ACTIONS, decoded.action) ? decoded.action : "unknown";
      options.admit?.(principal, request);
      const pathQueue = queueOfPath(url.pathname);
      const handler = ACTIONS[action];
      if (!handler) throw invalidAction(`The action ${decoded.action.slice(0, 64)} is not valid for this endpoint.`);
      const result = await handler({
        broker: options.broker,
        principal,
        params,
        pathQueue,
        baseUrl: baseUrlOf(request, options.publicUrl),
        region: authenticated.region,
        get signal() {
          return request.signal;
        },
      });
      return answer(json ? jsonResponse(result, requestId) : queryResponse(action, result, requestId), null);
    } catch (error) {
      const sqs = toSqsError(error);
      if (sqs.status >= 500)
        options.logger.error("sqs request failed", { request_id: requestId, ...errorContext(error) });
      return answer(json ? jsonError(sqs, requestId) : queryError(sqs, requestId), sqs.queryCode);
    }
  };
}

function authenticate(
  options: SqsHandlerOptions,
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
