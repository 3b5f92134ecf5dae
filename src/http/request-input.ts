import type { TSchema } from "@sinclair/typebox";
import { TypeCompiler, type TypeCheck } from "@sinclair/typebox/compiler";
import { BrokerError } from "../domain/errors.ts";
import type { RouteDefinition } from "./route.ts";
import { validationError } from "./errors.ts";

type Location = "params" | "query" | "body";

/** A route's compiled input checks, built once when the route table is mounted. */
export class RouteInputs {
  private readonly params: TypeCheck<TSchema> | null;
  private readonly query: TypeCheck<TSchema> | null;
  private readonly body: TypeCheck<TSchema> | null;

  constructor(
    private readonly route: RouteDefinition,
    private readonly maxBodyBytes: number,
  ) {
    this.params = route.params ? TypeCompiler.Compile(route.params) : null;
    this.query = route.query ? TypeCompiler.Compile(route.query) : null;
    this.body = route.body ? TypeCompiler.Compile(route.body) : null;
  }

  /** Validated params, query and body; throws a BrokerError naming the first bad field. */
  async read(request: Request, rawParams: Record<string, string>) {
    const params = check("params", this.params, rawParams);
    const query = this.query ? check("query", this.query, queryObject(request.url)) : {};
    let body: unknown = undefined;
    if (this.body) {
      body = await readJson(request, this.maxBodyBytes);
      if (!(body === undefined && this.route.bodyOptional)) body = check("body", this.body, body);
    } else if (request.body !== null) {
      // A route that takes no body still waits for the whole of one that was sent: Bun runs the
      // handler as soon as the headers are in, so without this a request whose body then turns
      // out broken (a bad chunk) is refused with a 400 by Bun while the handler goes on and acts.
      await readBytes(request, this.maxBodyBytes);
    }
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

const decoder = new TextDecoder("utf-8", { fatal: true });

/**
 * The body as JSON, whatever Content-Type the client sent; undefined when empty. The declared
 * length is checked before reading, and the read length after (chunked bodies declare none).
 */
async function readJson(request: Request, limit: number): Promise<unknown> {
  const bytes = await readBytes(request, limit);
  if (bytes.byteLength === 0) return undefined;
  try {
    return JSON.parse(decoder.decode(bytes)) as unknown;
  } catch {
    throw new BrokerError(
      "malformed_json",
      400,
      "the request body is not valid UTF-8 JSON; send a JSON object with Content-Type: application/json",
    );
  }
}

async function readBytes(request: Request, limit: number): Promise<ArrayBuffer> {
  const declared = Number(request.headers.get("content-length") ?? 0);
  if (declared > limit) throw bodyTooLarge(declared, limit);
  let bytes: ArrayBuffer;
  try {
    bytes = await request.arrayBuffer();
  } catch {
    // The body broke off or was malformed on the wire (Bun has usually answered already).
    throw new BrokerError("unreadable_body", 400, "the request body could not be read in full; send it again");
  }
  if (bytes.byteLength > limit) throw bodyTooLarge(bytes.byteLength, limit);
  return bytes;
}

export function bodyTooLarge(length: number, limit: number): BrokerError {
  return new BrokerError(
    "body_too_large",
    413,
    `the request body is ${length} bytes, over the limit of ${limit}; send smaller batches or raise MILLRACE_MAX_BODY_BYTES`,
    { limit },
  );
}
