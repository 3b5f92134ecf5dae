import type { Principal, Scope } from "../auth/principal.ts";
import type { Broker } from "../broker/broker.ts";
import { accessDenied, invalidParameterValue, missingParameter } from "./errors.ts";
import type { Params } from "./params.ts";
import { queueOfUrl } from "./queue-url.ts";

/** What an action handler gets: the broker, who asks, and how to name queues back to the client. */
export interface ActionContext {
  broker: Broker;
  /** null when Millrace runs without authentication (loopback only). */
  principal: Principal | null;
  params: Params;
  /** The queue the request path names (query protocol clients post to the queue URL), or null. */
  pathQueue: string | null;
  /** Base of queue URLs, e.g. http://127.0.0.1:9324 */
  baseUrl: string;
  /** The region of the signature's scope, used in ARNs. */
  region: string;
  signal: AbortSignal;
}

export type Action = (context: ActionContext) => Promise<Record<string, unknown>>;

/**
 * The queue the action names (QueueUrl, or the request path), checked against the principal's
 * scope and queue patterns exactly as the /v1 routes check them: publish for sends, consume for
 * receive and settle, admin for queue management. A path and a QueueUrl that disagree are refused.
 */
export function authorizedQueue(context: ActionContext, scopes: readonly Scope[]): string {
  const url = context.params.QueueUrl;
  if (url !== undefined && typeof url !== "string") throw invalidParameterValue("QueueUrl must be a string");
  const fromUrl = url === undefined ? null : queueOfUrl(url);
  if (fromUrl !== null && context.pathQueue !== null && fromUrl !== context.pathQueue) {
    throw invalidParameterValue(
      `QueueUrl names queue "${fromUrl}" but the request was sent to the URL of queue "${context.pathQueue}"; send it to one queue`,
    );
  }
  const queue = fromUrl ?? context.pathQueue;
  if (queue === null) throw missingParameter("The request must contain the parameter QueueUrl.");
  requireAccess(context, scopes, queue);
  return queue;
}

export function requireAccess(context: ActionContext, scopes: readonly Scope[], queue: string | null): void {
  const principal = context.principal;
  if (principal === null) return;
  if (!scopes.some((scope) => principal.scopes.has(scope))) {
    throw accessDenied(
      `this action needs the ${scopes.join(" or ")} scope; the access key has ${[...principal.scopes].join(", ") || "none"}`,
    );
  }
  if (queue !== null && !principal.queues.allows(queue)) {
    throw accessDenied(
      `the access key may not use queue "${queue}"; it allows ${principal.queues.patterns.join(", ")}`,
    );
  }
}
