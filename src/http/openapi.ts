import type { TObject, TSchema } from "@sinclair/typebox";
import { ErrorBody } from "./response-schemas.ts";
import type { RouteDefinition } from "./route.ts";

// The OpenAPI 3.1 document, generated from the route table: the same schemas validate requests,
// so the document cannot drift from what the server accepts; test/integration/openapi.test.ts
// checks the responses against theirs.

type Json = Record<string, unknown>;

/** A TypeBox schema as plain JSON Schema: TypeBox keeps its metadata under symbol keys, which JSON drops. */
function plain(schema: TSchema): Json {
  return JSON.parse(JSON.stringify(schema)) as Json;
}

/**
 * components/schemas, filled as schemas are used: every subschema with an `$id` becomes a named
 * component and is replaced by a $ref, so client generators emit one named type per shape.
 */
class Components {
  readonly schemas: Record<string, Json> = {};

  use(schema: TSchema): Json {
    return this.hoist(plain(schema)) as Json;
  }

  private hoist(value: unknown): unknown {
    if (Array.isArray(value)) return value.map((item) => this.hoist(item));
    if (value === null || typeof value !== "object") return value;
    const { $id, ...rest } = value as Json;
    const hoisted = Object.fromEntries(Object.entries(rest).map(([key, item]) => [key, this.hoist(item)]));
    anyKeyAsAdditionalProperties(hoisted);
    if (typeof $id !== "string") return hoisted;
    const existing = this.schemas[$id];
    // Two shapes under one name would make the generated types lie about one of them.
    if (existing !== undefined && JSON.stringify(existing) !== JSON.stringify(hoisted)) {
      throw new Error(`two different response schemas are named "${$id}"; give one of them another $id`);
    }
    this.schemas[$id] = hoisted;
    return { $ref: `#/components/schemas/${$id}` };
  }
}

const ANY_KEY = "^(.*)$";

/**
 * TypeBox writes a string-keyed record as `patternProperties: {"^(.*)$": X}`; that is the same
 * constraint as `additionalProperties: X`, which client generators turn into a map type.
 */
function anyKeyAsAdditionalProperties(schema: Json): void {
  const patterns = schema.patternProperties as Json | undefined;
  if (patterns === undefined || Object.keys(patterns).length !== 1 || !(ANY_KEY in patterns)) return;
  if (schema.properties !== undefined || schema.additionalProperties !== undefined) return;
  delete schema.patternProperties;
  schema.additionalProperties = patterns[ANY_KEY];
}

function parameters(route: RouteDefinition, components: Components): Json[] {
  const result: Json[] = [];
  const add = (location: "path" | "query", object: TSchema | undefined) => {
    if (!object) return;
    const { properties, required = [] } = object as TObject;
    for (const [name, schema] of Object.entries(properties)) {
      const { description, ...rest } = components.use(schema);
      result.push({
        name,
        in: location,
        required: location === "path" || required.includes(name),
        ...(description === undefined ? {} : { description }),
        schema: rest,
      });
    }
  };
  add("path", route.params);
  add("query", route.query);
  return result;
}

const ERROR_REF = { $ref: "#/components/schemas/Error" };

function errorResponse(description: string, headers?: Json): Json {
  return { description, ...(headers ? { headers } : {}), content: { "application/json": { schema: ERROR_REF } } };
}

const RETRY_AFTER = {
  "Retry-After": { description: "seconds to wait before retrying", schema: { type: "integer", minimum: 0 } },
};

function responses(route: RouteDefinition, components: Components): Json {
  const result: Json = {};
  for (const [status, spec] of Object.entries(route.responses)) {
    if (spec.schema === undefined && spec.contentType === undefined) {
      result[status] = { description: spec.description };
      continue;
    }
    const schema = spec.schema === undefined ? { type: "string" } : components.use(spec.schema);
    result[status] = {
      description: spec.description,
      content: { [spec.contentType ?? "application/json"]: { schema } },
    };
  }
  const hasInput = route.params !== undefined || route.query !== undefined || route.body !== undefined;
  if (hasInput) result["400"] ??= errorResponse("invalid input; the message names the field and what it must be");
  if (!("public" in route.access)) {
    result["401"] = errorResponse("missing or invalid credentials");
    result["403"] = errorResponse("the credentials lack the scope, or may not use this queue or topic");
    result["429"] = errorResponse("rate limited, or the queue is full; retry after Retry-After seconds", RETRY_AFTER);
  }
  if (route.params !== undefined)
    result["404"] ??= errorResponse("the queue, topic, subscription or message does not exist");
  if (route.body !== undefined) result["413"] = errorResponse("the body is over MILLRACE_MAX_BODY_BYTES");
  result.default = errorResponse(
    "any other failure: 500 for an unexpected error (the log has its request id), 503 when JWTs cannot be checked right now",
  );
  return result;
}

/** Request bodies are named after their operation (publish -> PublishRequest), for generated clients. */
function requestBody(route: RouteDefinition, body: TSchema, components: Components): Json {
  const name = `${route.operationId.charAt(0).toUpperCase()}${route.operationId.slice(1)}Request`;
  const media: Json = { schema: components.use({ ...body, $id: name }) };
  if (route.requestExamples !== undefined) media.examples = route.requestExamples;
  return { required: route.bodyOptional !== true, content: { "application/json": media } };
}

export function openApiDocument(routes: readonly RouteDefinition[], version: string): Json {
  const components = new Components();
  components.use(ErrorBody);
  const paths: Record<string, Json> = {};
  for (const route of routes) {
    if (route.hidden) continue;
    const path = route.path.replace(/:([A-Za-z]+)/g, "{$1}");
    const operation: Json = {
      operationId: route.operationId,
      summary: route.summary,
      tags: [route.tag],
    };
    const params = parameters(route, components);
    if (params.length > 0) operation.parameters = params;
    if (route.body !== undefined) operation.requestBody = requestBody(route, route.body, components);
    operation.responses = responses(route, components);
    operation.security = "public" in route.access ? [] : [{ apiKey: [] }, { jwt: [] }];
    (paths[path] ??= {})[route.method.toLowerCase()] = operation;
  }
  return {
    openapi: "3.1.0",
    info: { title: "Millrace API", version, description: "Durable message broker, v1 HTTP API" },
    tags: [...new Set(routes.filter((route) => !route.hidden).map((route) => route.tag))].map((name) => ({ name })),
    paths,
    components: {
      schemas: Object.fromEntries(Object.entries(components.schemas).sort(([a], [b]) => a.localeCompare(b))),
      securitySchemes: {
        apiKey: {
          type: "http",
          scheme: "bearer",
          description: "An API key from `millrace keys create`, sent as Authorization: Bearer <key>",
        },
        jwt: { type: "http", scheme: "bearer", bearerFormat: "JWT", description: "A JWT (MILLRACE_AUTH=jwt)" },
      },
    },
  };
}
