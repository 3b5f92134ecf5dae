import type { TObject, TSchema } from "@sinclair/typebox";
import type { RouteDefinition } from "./route.ts";

// The OpenAPI 3.1 document, generated from the route table: the same schemas validate requests,
// so the document cannot drift from what the server accepts.

const ERROR_SCHEMA = {
  type: "object",
  required: ["error"],
  properties: {
    error: {
      type: "object",
      required: ["code", "message"],
      properties: {
        code: { type: "string", description: "stable snake_case identifier to switch on", example: "queue_not_found" },
        message: { type: "string", description: "what is wrong and how to fix it" },
        details: { description: "machine-readable context, such as the offending field" },
      },
    },
  },
};

type Json = Record<string, unknown>;

/** A TypeBox schema as plain JSON Schema: TypeBox keeps its metadata under symbol keys, which JSON drops. */
function plain(schema: TSchema): Json {
  return JSON.parse(JSON.stringify(schema)) as Json;
}

function errorResponse(description: string): Json {
  return { description, content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } } };
}

function parameters(route: RouteDefinition): Json[] {
  const result: Json[] = [];
  const add = (location: "path" | "query", object: TSchema | undefined) => {
    if (!object) return;
    const { properties, required = [] } = object as TObject;
    for (const [name, schema] of Object.entries(properties)) {
      const { description, ...rest } = plain(schema);
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

function responses(route: RouteDefinition): Json {
  const result: Json = {};
  for (const [status, spec] of Object.entries(route.responses)) {
    const contentType = spec.contentType ?? "application/json";
    result[status] =
      spec.schema === undefined && spec.contentType === undefined && status === "204"
        ? { description: spec.description }
        : {
            description: spec.description,
            content: { [contentType]: { schema: spec.schema === undefined ? {} : plain(spec.schema) } },
          };
  }
  const hasInput = route.params !== undefined || route.query !== undefined || route.body !== undefined;
  if (hasInput) result["400"] ??= errorResponse("invalid input; the message names the field and what it must be");
  if (!("public" in route.access)) {
    result["401"] = errorResponse("missing or invalid credentials");
    result["403"] = errorResponse("the credentials lack the scope, or may not use this queue or topic");
    result["429"] = errorResponse("rate limited; retry after Retry-After seconds");
  }
  if (route.params !== undefined)
    result["404"] ??= errorResponse("the queue, topic, subscription or message does not exist");
  if (route.body !== undefined) result["413"] = errorResponse("the body is over MILLRACE_MAX_BODY_BYTES");
  return result;
}

export function openApiDocument(routes: readonly RouteDefinition[], version: string): Json {
  const paths: Record<string, Json> = {};
  for (const route of routes) {
    if (route.hidden) continue;
    const path = route.path.replace(/:([A-Za-z]+)/g, "{$1}");
    const operation: Json = {
      operationId: route.operationId,
      summary: route.summary,
      tags: [route.tag],
      responses: responses(route),
    };
    const params = parameters(route);
    if (params.length > 0) operation.parameters = params;
    if (route.body !== undefined) {
      operation.requestBody = {
        required: route.bodyOptional !== true,
        content: { "application/json": { schema: plain(route.body) } },
      };
    }
    operation.security = "public" in route.access ? [] : [{ apiKey: [] }, { jwt: [] }];
    (paths[path] ??= {})[route.method.toLowerCase()] = operation;
  }
  return {
    openapi: "3.1.0",
    info: { title: "Millrace API", version, description: "Durable message broker, v1 HTTP API" },
    tags: [...new Set(routes.map((route) => route.tag))].map((name) => ({ name })),
    paths,
    components: {
      schemas: { Error: ERROR_SCHEMA },
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
