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
}

interface SchemaIssue {
  path: string;
  message: string;
  schema?: SchemaLike;
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
    const described = schema.anyOf.map(expectation).filter((text): text is string => text !== null);
    return described.length > 0 ? described[0]! : null;
  }
  const hint = schema.description ? ` (${schema.description})` : "";
  switch (schema.type) {
    case "integer":
      return range("a whole number", schema.minimum, schema.maximum) + hint;
    case "number":
      return range("a number", schema.minimum, schema.maximum) + hint;
    case "string":
      if (schema.pattern) return `a string matching ${schema.pattern}${hint}`;
      if (schema.minLength === undefined && schema.maxLength === undefined) return `a string${hint}`;
      return range("a string of length", schema.minLength, schema.maxLength) + hint;
    case "array":
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
  return expected ? `must be ${expected}` : issue.message;
}

/** A schema violation: the first issue names the field; all of them go in details. */
export function validationError(location: string, issues: SchemaIssue[]): BrokerError {
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
