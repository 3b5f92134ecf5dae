import fc from "fast-check";
import { requestFor, type FuzzContext, type FuzzRequest } from "./hostile-input.ts";
import { isTransportLevel } from "./transport-level.ts";
import type { RawRequest } from "./raw-http.ts";
import type { CatalogRoute } from "./route-catalog.ts";

// Requests that are broken as HTTP, built from an otherwise hostile request for a route: odd
// methods, raw control bytes in the target, header injection, contradictory framing. Bun's
// parser refuses most of them itself; the rest reach the app and must get its usual answers.

type Mutation = (raw: RawRequest) => RawRequest;

const withHeaders =
  (...extra: Array<[string, string]>): Mutation =>
  (raw) => ({ ...raw, headers: [...(raw.headers ?? []), ...extra] });

function insertByte(raw: RawRequest, at: number, byte: number): RawRequest {
  const target = Buffer.from(raw.target);
  const position = 1 + (at % Math.max(1, target.length - 1));
  return {
    ...raw,
    target: Buffer.concat([target.subarray(0, position), Buffer.from([byte]), target.subarray(position)]),
  };
}

const mutation: fc.Arbitrary<[string, Mutation]> = fc.oneof(
  fc
    .constantFrom("FOO", "get", "Get", "PROPFIND", "TRACE", "CONNECT", "M-SEARCH", "GET\u0000", "G(T", "X".repeat(5000))
    .map((method): [string, Mutation] => [
      `method ${JSON.stringify(method.slice(0, 20))}`,
      (raw) => ({ ...raw, method }),
    ]),
  fc
    .tuple(fc.nat(), fc.constantFrom(0x00, 0x01, 0x08, 0x09, 0x0b, 0x0c, 0x20, 0x7f, 0xff))
    .map(([at, byte]): [string, Mutation] => [
      `byte 0x${byte.toString(16)} in the target`,
      (raw) => insertByte(raw, at, byte),
    ]),
  fc.constantFrom<[string, Mutation]>(
    ["header injection", withHeaders(["x-a", "1\r\nx-injected: 1"])],
    ["NUL in a header value", withHeaders(["x-a", "a\u0000b"])],
    ["empty header name", withHeaders(["", "v"])],
    ["space in a header name", withHeaders(["x a", "v"])],
    ["colon-less header", withHeaders(["x-no-colon\r\nx-b", "v"])],
    ["content-length letters", withHeaders(["content-length", "abc"])],
    ["negative content-length", withHeaders(["content-length", "-1"])],
    ["two content-lengths", withHeaders(["content-length", "0"], ["content-length", "1"])],
    ["content-length shorter than the body", withHeaders(["content-length", "1"])],
    ["transfer-encoding gzip", withHeaders(["transfer-encoding", "gzip"])],
    ["chunked with a bad size", withHeaders(["transfer-encoding", "chunked"])],
    ["chunked and content-length", withHeaders(["transfer-encoding", "chunked"], ["content-length", "3"])],
    ["second host", withHeaders(["host", "evil.example"])],
    [
      "HTTP/9.9 in the target",
      (raw) => ({ ...raw, target: Buffer.concat([Buffer.from(raw.target), Buffer.from(" HTTP/9.9")]) }),
    ],
    [
      "absolute-form target",
      (raw) => ({ ...raw, target: Buffer.concat([Buffer.from("http://evil.example"), Buffer.from(raw.target)]) }),
    ],
    ["asterisk target", (raw) => ({ ...raw, target: "*" })],
    ["empty target", (raw) => ({ ...raw, target: "" })],
  ),
);

/** A request for the route with one HTTP-level defect; bodies are made to fit the framing mutations. */
export function malformedFor(route: CatalogRoute, context: FuzzContext): fc.Arbitrary<FuzzRequest> {
  return fc.tuple(requestFor(route, context), mutation).map(([request, [label, mutate]]) => {
    // Framing mutations need a body that cannot be mistaken for a complete one (the server would wait for more).
    const raw = mutate(/length|chunked|transfer/.test(label) ? { ...request.raw, body: "zz\r\n{}" } : request.raw);
    return { ...request, raw, transport: isTransportLevel(raw) };
  });
}
