import fc from "fast-check";
import { jsonText, NASTY_VALUES, INVALID_BODIES, Members } from "./json-text.ts";
import type { RawRequest } from "./raw-http.ts";
import { isTransportLevel } from "./transport-level.ts";
import { fillTemplate, type CatalogRoute } from "./route-catalog.ts";
import { extraMember, fieldPaths, setAt, validValue, wrongValue, type KnownFields } from "./schema-arbitrary.ts";

// Arbitrary hostile requests for one route of the catalog: path parameters, path spelling,
// query string, body, content type and headers, each drawn from valid, random and known-nasty
// values. What Bun's own parser refuses before the app sees it is marked `transport`.

export interface FuzzRequest {
  raw: RawRequest;
  route: CatalogRoute;
  /** Malformed at the HTTP level: Bun's parser may refuse it itself (bare 4xx/505, or closing). */
  transport: boolean;
}

export interface FuzzContext {
  /** Existing names for each path parameter (`queue`, `topic`, ...), so requests reach handlers. */
  known: Record<string, string[]>;
  /** Existing values for body fields (`receipts`, `queue`, `ids`), for the same reason. */
  fields: KnownFields;
  /** Authorization header values to pick from; empty when the server runs without auth. */
  authorizations: string[];
}

/** Path segments as sent: traversal, SQL, bad or odd percent-encoding, prototype names, lengths. */
export const HOSTILE_SEGMENTS = [
  "..",
  ".",
  "..%2F..%2Fetc%2Fpasswd",
  "%2e%2e%2f%2e%2e",
  "..%5c..%5cwindows",
  "%00",
  "fz-orders%00",
  "%27%3B%20DROP%20TABLE%20queues%3B--",
  "'%20OR%20'1'%3D'1",
  "fz-orders'--",
  "%22%3E%3Cscript%3E",
  "%",
  "%ZZ",
  "%E0%A4%A",
  "%C0%AF",
  "%ED%A0%80",
  "%FF%FE",
  "%F0%9F%92%A9",
  "caf%C3%A9",
  "*",
  "fz-*",
  "fz-orders%2Fpurge",
  "fz-orders%3Fx%3D1",
  "fz-orders;admin",
  "%20fz-orders",
  "FZ-ORDERS",
  "__proto__",
  "constructor",
  "prototype",
  "hasOwnProperty",
  "a".repeat(128),
  "a".repeat(129),
  "a".repeat(4000),
  "-dash",
  ".hidden",
  "1e400",
  "NaN",
  "null",
];

function encodeSegment(text: string): string {
  try {
    return encodeURIComponent(text);
  } catch {
    return "%ED%A0%80"; // a lone surrogate cannot be encoded; send its UTF-8-like bytes instead
  }
}

export const hostileSegment: fc.Arbitrary<Buffer | string> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...HOSTILE_SEGMENTS) },
  { weight: 2, arbitrary: fc.string({ unit: "binary", minLength: 1, maxLength: 40 }).map(encodeSegment) },
  { weight: 1, arbitrary: fc.string({ unit: "grapheme", minLength: 1, maxLength: 12 }) },
  { weight: 1, arbitrary: fc.uint8Array({ minLength: 1, maxLength: 12 }).map((bytes) => Buffer.from(bytes)) },
);

const SPELLINGS = ["exact", "trailing slash", "double slash", "dot segment", "encoded literal", "upper case"] as const;
type Spelling = (typeof SPELLINGS)[number];

function spell(target: Buffer, spelling: Spelling): Buffer {
  switch (spelling) {
    case "exact":
      return target;
    case "trailing slash":
      return Buffer.concat([target, Buffer.from("/")]);
    case "double slash":
      return Buffer.concat([Buffer.from("/"), target]);
    case "dot segment":
      return Buffer.concat([Buffer.from("/."), target]);
    case "encoded literal": {
      // `/v1/...` -> `/%761/...`: the same text once decoded, which must not route.
      const first = target[1] ?? 0x2f;
      return Buffer.concat([Buffer.from(`/%${first.toString(16).padStart(2, "0")}`), target.subarray(2)]);
    }
    case "upper case":
      return Buffer.from(target.toString("latin1").toUpperCase(), "latin1");
  }
}

const queryValue = fc.oneof(
  fc.constantFrom("", "0", "-1", "1", "1000", "1001", "1e400", "-0", "18446744073709551616", "0x10", "1.5", " 1"),
  fc.constantFrom("%00", "%ZZ", "%", "%ED%A0%80", "..%2F", "%27%3B%20DROP%20TABLE%20queues%3B--", "a".repeat(300)),
  fc.string({ unit: "binary", maxLength: 30 }).map(encodeSegment),
);

function queryString(route: CatalogRoute): fc.Arbitrary<string> {
  const names = [...route.query.map((q) => q.name), "__proto__", "constructor", "limit", "after", "x"];
  const pairs = fc
    .array(fc.tuple(fc.constantFrom(...names), queryValue), { maxLength: 5 })
    .map((list) => (list.length === 0 ? "" : `?${list.map(([k, v]) => `${k}=${v}`).join("&")}`));
  const junk = fc.constantFrom(
    "?",
    "?&&&",
    "?=",
    "?a=b=c",
    "?%",
    "?%ZZ=1",
    "?limit[]=1",
    "?limit=1&limit=2",
    "?__proto__[x]=1",
    "?#frag",
  );
  return fc.oneof(
    { weight: 3, arbitrary: fc.constant("") },
    { weight: 4, arbitrary: pairs },
    { weight: 1, arbitrary: junk },
  );
}

/** A body for the route: none, valid, mutated, random JSON, random bytes, or a known-nasty one. */
export function bodyFor(route: CatalogRoute, known: KnownFields = {}): fc.Arbitrary<Buffer | null> {
  const text = (value: unknown) => Buffer.from(jsonText(value));
  const options: Array<fc.WeightedArbitrary<Buffer | null>> = [
    { weight: 2, arbitrary: fc.constant(null) },
    { weight: 2, arbitrary: fc.jsonValue().map(text) },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 512 }).map((bytes) => Buffer.from(bytes)) },
    { weight: 1, arbitrary: fc.constantFrom(...Object.values(NASTY_VALUES)).map(text) },
    { weight: 1, arbitrary: fc.constantFrom(...Object.values(INVALID_BODIES)) },
  ];
  if (route.body) {
    const valid = validValue(route.body, known);
    const paths = fieldPaths(route.body);
    options.push({ weight: 3, arbitrary: valid.map(text) });
    if (paths.length > 0) {
      const mutated = fc
        .tuple(valid, fc.constantFrom(...paths), wrongValue)
        .map(([value, path, wrong]) => text(setAt(value, path, wrong)));
      options.push({ weight: 4, arbitrary: mutated });
    }
    const withExtra = fc.tuple(valid, extraMember).map(([value, member]) => {
      const entries = value !== null && typeof value === "object" ? Object.entries(value) : [];
      return text(new Members([member, ...entries]));
    });
    options.push({ weight: 2, arbitrary: withExtra });
  }
  return fc.oneof(...options);
}

const CONTENT_TYPES = [
  "application/json",
  "application/json; charset=utf-8",
  "application/json; charset=utf-16",
  "text/plain",
  "application/x-www-form-urlencoded",
  "multipart/form-data; boundary=x",
  "application/octet-stream",
  "application/xml",
  "*/*",
  "garbage",
  "",
];

const headerName = fc.oneof(
  fc.constantFrom(
    "x-request-id",
    "idempotency-key",
    "x-forwarded-for",
    "x-real-ip",
    "origin",
    "accept",
    "accept-encoding",
    "content-encoding",
    "expect",
    "range",
    "cookie",
    "x-http-method-override",
    "access-control-request-method",
  ),
  fc.stringMatching(/^[a-z][a-z0-9-]{0,20}$/),
);

/** Header values: printable, unicode (sent as UTF-8), or long; CR, LF and NUL are for `transport`. */
const headerValue = fc.oneof(
  fc.constantFrom("", "100-continue", "gzip", "bytes=0-0", "*", "::1, 10.0.0.1, junk", "null", "a".repeat(7000)),
  fc.string({ unit: "binary", maxLength: 60 }).map((text) => text.replace(/[\u0000-\u001f\u007f]/g, "")),
);

const bulkHeaders: fc.Arbitrary<Array<[string, string]>> = fc.oneof(
  { weight: 8, arbitrary: fc.constant<Array<[string, string]>>([]) },
  {
    weight: 1,
    arbitrary: fc
      .integer({ min: 20, max: 250 })
      .map((count) => Array.from({ length: count }, (_, i): [string, string] => [`x-many-${i}`, "v"])),
  },
  {
    weight: 1,
    arbitrary: fc
      .integer({ min: 4000, max: 20_000 })
      .map((size): Array<[string, string]> => [["x-huge", "h".repeat(size)]]),
  },
);

/** One hostile request for `route`, with the route's own method most of the time. */
export function requestFor(route: CatalogRoute, context: FuzzContext): fc.Arbitrary<FuzzRequest> {
  const segments = fc.record(
    Object.fromEntries(
      route.params.map((param) => {
        const known = context.known[param.name] ?? [];
        const options: Array<fc.WeightedArbitrary<Buffer | string>> = [
          { weight: 3, arbitrary: hostileSegment },
          { weight: 1, arbitrary: validValue(param.schema).map((value) => encodeSegment(String(value))) },
        ];
        if (known.length > 0) options.push({ weight: 5, arbitrary: fc.constantFrom(...known) });
        return [param.name, fc.oneof(...options)];
      }),
    ),
  );
  const authorization =
    context.authorizations.length === 0
      ? fc.constant(null)
      : fc.oneof(
          { weight: 6, arbitrary: fc.constantFrom(...context.authorizations) },
          {
            weight: 2,
            arbitrary: fc.constantFrom(
              null,
              "Bearer ",
              "Bearer mrk_",
              "Bearer mrk_0000000000000000_" + "A".repeat(43),
              "Basic dXNlcjpwYXNz",
              "bearer   x",
              "Bearer " + "x".repeat(7000),
              "Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.",
            ),
          },
        );
  return fc
    .record({
      method: fc.oneof(
        { weight: 9, arbitrary: fc.constant(route.method) },
        { weight: 1, arbitrary: fc.constantFrom("GET", "PUT", "POST", "DELETE", "PATCH", "HEAD", "OPTIONS") },
      ),
      segments,
      spelling: fc.oneof({ weight: 10, arbitrary: fc.constant<Spelling>("exact") }, fc.constantFrom(...SPELLINGS)),
      query: queryString(route),
      body: bodyFor(route, context.fields),
      contentType: fc.option(fc.constantFrom(...CONTENT_TYPES), { freq: 4 }),
      authorization,
      extra: fc.array(fc.tuple(headerName, headerValue), { maxLength: 4 }),
      bulk: bulkHeaders,
    })
    .map((drawn) => {
      const path = spell(fillTemplate(route.template, drawn.segments), drawn.spelling);
      const headers: Array<[string, string]> = [];
      if (drawn.authorization !== null) headers.push(["authorization", drawn.authorization]);
      if (drawn.contentType !== null) headers.push(["content-type", drawn.contentType]);
      headers.push(...drawn.extra, ...drawn.bulk);
      const raw: RawRequest = {
        method: drawn.method,
        target: Buffer.concat([path, Buffer.from(drawn.query)]),
        headers,
        ...(drawn.body === null ? {} : { body: drawn.body }),
      };
      return { raw, route, transport: isTransportLevel(raw) };
    });
}
