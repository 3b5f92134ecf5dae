import { AuthError } from "../auth/auth-error.ts";
import { BrokerError } from "../domain/errors.ts";
import type { Logger } from "../observability/logger.ts";
import { errorContext } from "../observability/logger.ts";

// The one place where failures become HTTP responses: {"error": {code, message, details}}.

export interface ErrorBody {
  error: { code: string; message: string; details?: unknown };
}

export function errorResponse(
  status: number,
  code: string,
  message: string,
  details?: unknown,
  headers: Record<string, string> = {},
): Response {
  const body: ErrorBody = { error: { code, message, ...(details === undefined ? {} : { details }) } };
  return Response.json(body, { status, headers });
}

interface SchemaLike {
  type?: string;
  anyOf?: SchemaLike[];
  description?: string;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  pattern?: string;
  const?: unknown;
  items?: SchemaLike;
}

interface SchemaIssue {
  path: string;
  message: string;
  schema?: SchemaLike;
  /** The value at `path`. */
  value?: unknown;
  /** For a failed union, TypeBox's issues per branch (each iterable once). */
  errors?: Array<Iterable<SchemaIssue>>;
}

/** `/messages/3/delaySeconds` -> `messages[3].delaySeconds`. */
export function fieldFromPath(path: string, location: string): string {
  const parts = path.split("/").filter(Boolean);
  if (parts.length === 0) return location;
  return parts.map((part, i) => (/^\d+$/.test(part) ? `[${part}]` : i === 0 ? part : `.${part}`)).join("");
}

function range(what: string, min: number | undefined, max: number | undefined): string {
  if (min !== undefined && max !== undefined) return `${what} from ${min} to ${max}`;
  if (min !== undefined) return `${what} of at least ${min}`;
  if (max !== undefined) return `${what} of at most ${max}`;
  return what;
}

/** What a schema accepts, in words, so the error says how to fix the value. */
export function expectation(schema: SchemaLike | undefined): string | null {
  if (!schema) return null;
  if (schema.anyOf) {
    // Elysia wraps numbers in a union with their string form; describe the meaningful branch.
    const literals = schema.anyOf
      .filter((branch) => branch.const !== undefined)
      .map((branch) => JSON.stringify(branch.const));
    if (literals.length > 0 && literals.length === schema.anyOf.length) return `one of ${literals.join(", ")}`;
    const numeric = schema.anyOf.find((branch) => branch.type === "integer" || branch.type === "number");
    if (numeric) return expectation(numeric);
    // A nullable value (delivery, filter) is described by what it is when set, then "or null".
    const described = schema.anyOf
      .filter((branch) => branch.type !== "null")
      .map(expectation)
      .filter((text): text is string => text !== null);
    if (described.length === 0) return null;
    const nullable = schema.anyOf.some((branch) => branch.type === "null");
    return described.join(" or ") + (nullable ? ", or null" : "");
  }
  const hint = schema.description ? ` (${schema.description})` : "";
  switch (schema.type) {
    case "integer":
      return range("a whole number", schema.minimum, schema.maximum) + hint;
    case "number":
      return range("a number", schema.minimum, schema.maximum) + hint;
    case "string":
      // A described pattern reads as its description; the pattern follows for the exact rule.
      if (schema.pattern && schema.description) return `${schema.description} (matching ${schema.pattern})`;
      if (schema.pattern) return `a string matching ${schema.pattern}`;
      if (schema.minLength === undefined && schema.maxLength === undefined) return `a string${hint}`;
      return range("a string of length", schema.minLength, schema.maxLength) + hint;
    case "array":
      if (schema.minItems === 1 && schema.maxItems === undefined) {
        return `a non-empty list${schema.items?.type === "string" ? " of strings" : ""}${hint}`;
      }
      if (schema.minItems !== undefined && schema.maxItems !== undefined) {
        return `a list of ${schema.minItems} to ${schema.maxItems} items${hint}`;
      }
      return range("a list with a number of items", schema.minItems, schema.maxItems) + hint;
    case "object":
      return `an object${hint}`;
    case "boolean":
      return "true or false";
    default:
      return null;
  }
}

function describeIssue(issue: SchemaIssue): string {
  if (/additional propert/i.test(issue.message) || /unexpected property/i.test(issue.message)) {
    return "is not a known field; remove it (see /openapi.json for the fields this route takes)";
  }
  const expected = expectation(issue.schema);
  if (/required property/i.test(issue.message)) return expected ? `is required; it must be ${expected}` : "is required";
  return expected ? `must be ${expected}` : issue.message;
}

/** JSON Schema's name for the type of a value, to match a union branch to what was sent. */
function jsonType(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  if (typeof value === "number") return Number.isInteger(value) ? "integer" : "number";
  return typeof value;
}

function typeMatches(issue: SchemaIssue): boolean {
  const type = issue.schema?.type;
  const actual = jsonType(issue.value);
  return type === actual || (type === "number" && actual === "integer");
}

function depth(path: string): number {
  return path.split("/").filter(Boolean).length;
}

/**
 * A failed union is reported by TypeBox at the union itself ("Expected union value"), with the
 * issues of each branch aside. Report the branch the client meant instead: the one that got
 * deepest into the value (`delivery.url`, not `delivery`), else the one of the value's type (a
 * list for `filter.type: []`). Unions with a number branch are Elysia's numeric coercion and
 * stay as they are; when no branch stands out, the union is described as a whole.
 */
export function resolveUnion(issue: SchemaIssue, level = 0): SchemaIssue {
  const anyOf = issue.schema?.anyOf;
  if (!issue.errors || !anyOf || level > 16) return issue;
  if (anyOf.some((branch) => branch.type === "integer" || branch.type === "number")) return issue;
  const firsts = issue.errors
    .map((branch) => {
      for (const first of branch) return first;
      return undefined;
    })
    .filter((first): first is SchemaIssue => first !== undefined);
  const deepest = Math.max(...firsts.map((first) => depth(first.path)));
  let candidates = firsts.filter((first) => depth(first.path) === deepest);
  // At the union's own depth every branch refused the value's type: keep the branch of that type.
  if (deepest === depth(issue.path) || candidates.length > 1) candidates = candidates.filter(typeMatches);
  return candidates.length === 1 ? resolveUnion(candidates[0]!, level + 1) : issue;
}

/** A schema violation: the first issue names the field; all of them go in details. */
export function validationError(location: string, raw: SchemaIssue[]): BrokerError {
  const issues = raw.map((issue) => resolveUnion(issue));
  const first = issues[0];
  const field = first ? fieldFromPath(first.path, location) : location;
  const problems = issues.slice(0, 20).map((issue) => ({
    field: fieldFromPath(issue.path, location),
    message: describeIssue(issue),
  }));
  const message = first
    ? `${field}: ${describeIssue(first)}`
    : `${location} does not match the schema; see /openapi.json`;
  return new BrokerError(location === "params" ? "invalid_name" : "invalid_request", 400, message, { field, problems });
}

export function brokerErrorResponse(error: BrokerError): Response {
  const headers: Record<string, string> = {};
  if (error.retryAfterSeconds !== undefined) headers["Retry-After"] = String(error.retryAfterSeconds);
  return errorResponse(error.status, error.code, error.message, error.details, headers);
}

/** Anything unexpected: logged with its stack, answered without internals. */
export function internalErrorResponse(error: unknown, logger: Logger, requestId: string | null): Response {
  logger.error("request failed", { request_id: requestId, ...errorContext(error) });
  return errorResponse(
    500,
    "internal_error",
    "the server failed to handle this request; it has been logged" +
      (requestId ? ` with request id ${requestId}` : "") +
      ". Retry, and check the server's journal if it persists",
  );
}

/** The one mapping from a thrown error to the response: known refusals by their status, anything else a 500. */
export function toErrorResponse(error: unknown, logger: Logger, requestId: string | null): Response {
  if (error instanceof BrokerError) return brokerErrorResponse(error);
  if (error instanceof AuthError) return authErrorResponse(error);
  return internalErrorResponse(error, logger, requestId);
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
