import type { TSchema } from "@sinclair/typebox";
import { TypeCompiler, type TypeCheck } from "@sinclair/typebox/compiler";
import { readBody, type BodyLimits } from "./body-limit.ts";
import { validationError } from "./errors.ts";
import { parseJsonBody } from "./json-body.ts";
import type { RouteDefinition } from "./route.ts";

type Location = "params" | "query" | "body";

export interface RouteInputValues {
  params: unknown;
  query: unknown;
  body: unknown;
}

interface CompiledChecks {
  params: TypeCheck<TSchema> | null;
  query: TypeCheck<TSchema> | null;
  body: TypeCheck<TSchema> | null;
}

/**
 * A route's compiled input checks, built at the route's first request and kept. Compiling every
 * route's schemas when the table is mounted cost 20-40 ms of the startup budget (DESIGN §9: 300 ms)
 * for routes most processes never serve; the first request of a route pays well under 1 ms.
 */
export class RouteInputs {
  private checks: CompiledChecks | null = null;

  constructor(
    private readonly route: RouteDefinition,
    private readonly limits: BodyLimits,
  ) {}

  private compiled(): CompiledChecks {
    const { params, query, body } = this.route;
    return (this.checks ??= {
      params: params ? TypeCompiler.Compile(params) : null,
      query: query ? TypeCompiler.Compile(query) : null,
      body: body ? TypeCompiler.Compile(body) : null,
    });
  }

  /**
   * Validated params, query and body; throws a BrokerError naming the first bad field, or returns
   * the response for a body refused on the wire (413, 408, broken off). Synchronous when the
   * request has no body, so bodiless requests skip a promise.
   */
  read(request: Request, rawParams: Record<string, string>): RouteInputValues | Promise<RouteInputValues | Response> {
    // Any body is read whole first, on routes that take none too: Bun hands the request over as
    // soon as the headers are in, and a handler must not act on a request whose body then breaks
    // off or runs over the limit; answering before the client finished sending would also reset
    // the connection under the client's feet.
    const reading = readBody(request, this.limits);
    if (reading === null) return this.validate(request, rawParams, undefined);
    return reading.then((read) =>
      read.ok
        ? this.validate(request, rawParams, this.route.body ? parseJsonBody(read.text) : undefined)
        : read.response,
    );
  }

  private validate(request: Request, rawParams: Record<string, string>, parsed: unknown): RouteInputValues {
    const checks = this.compiled();
    const params = check("params", checks.params, rawParams);
    const query = checks.query ? check("query", checks.query, queryObject(request.url)) : {};
    let body = parsed;
    if (checks.body && !(body === undefined && this.route.bodyOptional)) body = check("body", checks.body, body);
    return { params, query, body };
  }
}

function check(location: Location, compiled: TypeCheck<TSchema> | null, value: unknown): unknown {
  if (compiled === null || compiled.Check(value)) return value;
  throw validationError(location, [...compiled.Errors(value)].slice(0, 20));
}

/** The query string as an object of first values (a repeated key keeps its first value). */
function queryObject(url: string): Record<string, string> {
  const start = url.indexOf("?");
  const result: Record<string, string> = {};
  if (start < 0) return result;
  for (const [key, value] of new URLSearchParams(url.slice(start + 1))) {
    if (!Object.hasOwn(result, key)) result[key] = value;
  }
  return result;
}
