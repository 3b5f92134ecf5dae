import type { Static, TSchema } from "@sinclair/typebox";
import type { Server } from "bun";
import type { Principal, Scope } from "../auth/principal.ts";

export type Method = "GET" | "PUT" | "POST" | "DELETE";

/**
 * Who may call a route, declared on the route itself so that authorisation is decided on the
 * route that matched, never on a second reading of the URL.
 * - `public`: no credentials (health, metrics, the OpenAPI document).
 * - `scopes`: any one of them suffices.
 * - `resource`: the path parameter whose value the principal's name patterns must allow
 *   (the queue, or the topic); absent for collection routes, which filter what they list.
 */
export type Access = { public: true } | { scopes: readonly Scope[]; resource?: string };

export interface ResponseSpec {
  description: string;
  /** The JSON body; absent for bodiless answers (204) and non-JSON ones described by contentType. */
  schema?: TSchema;
  contentType?: string;
}

/** What a handler gets: the validated inputs and the caller. */
export interface RouteContext<P, Q, B> {
  params: P;
  query: Q;
  body: B;
  request: Request;
  server: Server<unknown>;
  /** Null when authentication is off, or on public routes. */
  principal: Principal | null;
}

type StaticOr<S, Fallback> = S extends TSchema ? Static<S> : Fallback;

export interface RouteDefinition<
  P extends TSchema | undefined = TSchema | undefined,
  Q extends TSchema | undefined = TSchema | undefined,
  B extends TSchema | undefined = TSchema | undefined,
> {
  method: Method;
  /** `/v1/queues/:queue/messages`: literal segments, and `:name` for one path parameter each. */
  path: string;
  /** OpenAPI: operationId, one line of summary, and the tag that groups it. */
  operationId: string;
  summary: string;
  tag: string;
  access: Access;
  params?: P;
  query?: Q;
  body?: B;
  /** The body may be absent (receive with its defaults). */
  bodyOptional?: boolean;
  /** Success responses by status; error responses are added for every route from its access and inputs. */
  responses: Record<number, ResponseSpec>;
  /** Named request bodies for the OpenAPI document, typed by the body schema so they cannot go stale. */
  requestExamples?: Record<string, { summary: string; value: StaticOr<B, undefined> }>;
  /** Routes that are mounted only when a switch is on (docs, metrics on the API port). */
  hidden?: boolean;
  handle(
    context: RouteContext<
      StaticOr<P, Record<string, never>>,
      StaticOr<Q, Record<string, never>>,
      StaticOr<B, undefined>
    >,
  ): Promise<Response> | Response;
}

/** Declares a route with its handler typed from its schemas. */
export function defineRoute<
  P extends TSchema | undefined = undefined,
  Q extends TSchema | undefined = undefined,
  B extends TSchema | undefined = undefined,
>(definition: RouteDefinition<P, Q, B>): RouteDefinition {
  return definition;
}

/** A JSON response; `Response.json` is Bun's native serialiser. */
export function json(body: unknown, status = 200, headers?: Record<string, string>): Response {
  return Response.json(body, headers ? { status, headers } : { status });
}

export function noContent(): Response {
  return new Response(null, { status: 204 });
}

/** True when the principal's patterns allow the name; everything is allowed without authentication. */
export function principalAllows(principal: Principal | null, name: string): boolean {
  return principal === null || principal.queues.allows(name);
}
