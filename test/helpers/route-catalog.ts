// The routes a running server serves, read from its own /openapi.json, so that tests driven by
// the catalog cover a new route without being edited. The document is generated from the route
// table; the two routes it leaves out (the document itself and the docs UI) are added here.

export interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  patternProperties?: Record<string, JsonSchema>;
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  const?: unknown;
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  minItems?: number;
  maxItems?: number;
}

export interface CatalogParameter {
  name: string;
  schema: JsonSchema;
}

export interface CatalogRoute {
  method: string;
  /** `/v1/queues/{queue}/messages`, as in the OpenAPI document. */
  template: string;
  params: CatalogParameter[];
  query: CatalogParameter[];
  /** The JSON body's schema; null for routes that take none. */
  body: JsonSchema | null;
  /** No credentials needed. */
  public: boolean;
}

interface Operation {
  parameters?: Array<{ name: string; in: string; schema: JsonSchema }>;
  requestBody?: { content: Record<string, { schema: JsonSchema }> };
  security?: unknown[];
}

/** Routes the document omits on purpose; they are served all the same. */
const UNDOCUMENTED: CatalogRoute[] = [
  { method: "GET", template: "/openapi.json", params: [], query: [], body: null, public: true },
  { method: "GET", template: "/docs", params: [], query: [], body: null, public: true },
];

export async function routeCatalog(baseUrl: string): Promise<CatalogRoute[]> {
  const response = await fetch(`${baseUrl}/openapi.json`);
  if (response.status !== 200) throw new Error(`/openapi.json answered ${response.status}`);
  const document = (await response.json()) as {
    paths: Record<string, Record<string, Operation>>;
    components?: { schemas?: Record<string, JsonSchema> };
  };
  const inline = (schema: JsonSchema): JsonSchema => inlineRefs(schema, document.components?.schemas ?? {});
  const routes: CatalogRoute[] = [];
  for (const [template, operations] of Object.entries(document.paths)) {
    for (const [method, operation] of Object.entries(operations)) {
      const parameters = operation.parameters ?? [];
      const requestSchema = operation.requestBody?.content["application/json"]?.schema;
      routes.push({
        method: method.toUpperCase(),
        template,
        params: parameters.filter((p) => p.in === "path").map(({ name, schema }) => ({ name, schema: inline(schema) })),
        query: parameters.filter((p) => p.in === "query").map(({ name, schema }) => ({ name, schema: inline(schema) })),
        body: requestSchema === undefined ? null : inline(requestSchema),
        public: Array.isArray(operation.security) && operation.security.length === 0,
      });
    }
  }
  for (const extra of UNDOCUMENTED) {
    if (!routes.some((route) => route.method === extra.method && route.template === extra.template)) routes.push(extra);
  }
  return routes;
}

/** The route's path with each `{param}` replaced by the given raw segment, sent byte for byte. */
export function fillTemplate(template: string, segments: Record<string, Buffer | string>): Buffer {
  const parts: Buffer[] = [];
  let last = 0;
  for (const match of template.matchAll(/\{([A-Za-z]+)\}/g)) {
    const segment = segments[match[1]!];
    if (segment === undefined) throw new Error(`no value for ${match[0]} in ${template}`);
    parts.push(Buffer.from(template.slice(last, match.index)), Buffer.from(segment));
    last = match.index + match[0].length;
  }
  parts.push(Buffer.from(template.slice(last)));
  return Buffer.concat(parts);
}

export function describeRoute(route: CatalogRoute): string {
  return `${route.method} ${route.template}`;
}

/**
 * The schema with every `#/components/schemas/…` reference replaced by what it names, so the
 * generators see the fields themselves (the document names shared shapes as components).
 */
function inlineRefs(schema: JsonSchema, components: Record<string, JsonSchema>, seen: string[] = []): JsonSchema {
  const ref = (schema as { $ref?: string }).$ref;
  if (ref !== undefined) {
    const name = ref.replace("#/components/schemas/", "");
    const target = components[name];
    if (target === undefined) throw new Error(`/openapi.json refers to a missing component ${ref}`);
    if (seen.includes(name)) throw new Error(`component ${name} refers to itself; the catalog cannot inline it`);
    return inlineRefs(target, components, [...seen, name]);
  }
  const result: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(schema)) {
    if (Array.isArray(value)) {
      result[key] = value.map((item: unknown) =>
        item !== null && typeof item === "object" ? inlineRefs(item as JsonSchema, components, seen) : item,
      );
    } else if (
      value !== null &&
      typeof value === "object" &&
      key !== "const" &&
      key !== "default" &&
      key !== "examples"
    ) {
      result[key] = inlineRefs(value as JsonSchema, components, seen);
    } else {
      result[key] = value;
    }
  }
  return result;
}
