import { afterAll, beforeAll, describe, expect, setSystemTime, test } from "bun:test";
import fc from "fast-check";
import { describeRequest, readable } from "../helpers/fuzz-harness.ts";
import { startFuzzServer, type FuzzServer } from "../helpers/fuzz-server.ts";
import { HOSTILE_SEGMENTS, requestFor, type FuzzRequest } from "../helpers/hostile-input.ts";
import { isTransportLevel } from "../helpers/transport-level.ts";
import { CORE_NASTY, INVALID_BODIES, jsonText, NASTY_VALUES } from "../helpers/json-text.ts";
import { malformedFor } from "../helpers/malformed-http.ts";
import type { RawRequest } from "../helpers/raw-http.ts";
import { describeRoute, fillTemplate, type CatalogRoute } from "../helpers/route-catalog.ts";
import { fieldPaths, placeAt, validValue } from "../helpers/schema-arbitrary.ts";

// Issue 7, property-based: every route of the server's own route table (read from /openapi.json,
// so a new route is covered without editing this file) gets random and malformed input. Every
// answer must be a success or a 4xx JSON error, never a 5xx or silence; a rejected request must
// not change the stored state; and the server must still be alive after each batch.
//
// The clock is frozen while fuzzing, so that nothing changes the state by itself (leases
// expiring, delays ending) and every difference seen across a rejected request is its own doing.
// FUZZ_RUNS scales the number of random runs (1 by default; raise it for a longer hunt);
// FUZZ_SUMMARY=1 prints the answers each route got, by error code, to see what the runs reached.

const SCALE = Number(process.env.FUZZ_RUNS ?? "1");
const RUNS_PER_ROUTE = Math.round(100 * SCALE);
const MALFORMED_RUNS = Math.round(400 * SCALE);
// Generous: a busy machine is slow, and a test that times out keeps running into the next one.
const TIMEOUT_MS = 120_000 * Math.max(1, SCALE);

for (const auth of [false, true]) {
  describe(auth ? "fuzzing with API-key auth" : "fuzzing without auth", () => {
    let server: FuzzServer;

    beforeAll(async () => {
      server = await startFuzzServer({ auth });
      setSystemTime(new Date());
    });
    afterAll(async () => {
      setSystemTime();
      if (process.env.FUZZ_SUMMARY) console.log(`answers by route (auth ${auth}):\n${server.target.summary()}`);
      await server.stop();
    });

    /**
     * For each route, with the known state put back first: the cases `build` makes, each sent on
     * its own; every broken invariant is collected, so one run reports all of them.
     */
    async function eachRoute(build: (route: CatalogRoute) => Array<[string, FuzzRequest]>): Promise<string[]> {
      const problems: string[] = [];
      for (const route of server.catalog) {
        await server.reset();
        for (const [label, request] of build(route)) {
          const found = await server.target.exchange(request);
          if (found.length > 0)
            problems.push(`${describeRoute(route)} ${label}: ${found.join("; ")}\n  ${describeRequest(request)}`);
        }
        if (!(await server.target.alive()))
          problems.push(`${describeRoute(route)}: /health/live failed after the batch`);
      }
      return problems;
    }

    /** A valid body for the route (the same one every run), or none. */
    function validBody(route: CatalogRoute): string | undefined {
      if (!route.body) return undefined;
      return jsonText(fc.sample(validValue(route.body, server.context.fields), { numRuns: 1, seed: 7 })[0]);
    }

    function plain(
      route: CatalogRoute,
      target: Buffer | string,
      body?: Buffer | string,
      extra: RawRequest["headers"] = [],
    ) {
      const typed = extra.some(([name]) => name === "content-type");
      const headers: Array<readonly [string, Buffer | string]> = [
        ...(typed ? [] : [["content-type", "application/json"] as const]),
        ...extra,
      ];
      if (server.admin) headers.push(["authorization", server.admin]);
      const raw: RawRequest = { method: route.method, target, headers, ...(body === undefined ? {} : { body }) };
      return { raw, route, transport: isTransportLevel(raw) };
    }

    /** The route's path with known names, so requests get past the 404 to the handler. */
    function knownPath(route: CatalogRoute): string {
      const segments = Object.fromEntries(route.params.map((p) => [p.name, server.context.known[p.name]?.[0] ?? "x"]));
      return fillTemplate(route.template, segments).toString();
    }

    test("the catalog holds every route, including /openapi.json and /docs", () => {
      const names = server.catalog.map(describeRoute);
      expect(names).toContain("GET /openapi.json");
      expect(names).toContain("GET /docs");
      expect(names).toContain("POST /v1/queues/{queue}/messages");
      expect(names.length).toBeGreaterThanOrEqual(25);
    });

    test(
      "every route: random params, query, body, content type and headers",
      async () => {
        // One property per route, so each is covered; a failure (with its seed) does not stop the others.
        const failures: string[] = [];
        for (const route of server.catalog) {
          await server.reset();
          const property = fc.asyncProperty(readable(requestFor(route, server.context)), server.target.property);
          const details = await fc.check(property, { numRuns: RUNS_PER_ROUTE });
          if (details.failed) failures.push(`${describeRoute(route)}: ${fc.defaultReportMessage(details)}`);
          if (!(await server.target.alive()))
            failures.push(`${describeRoute(route)}: /health/live failed after the runs`);
        }
        expect(failures).toEqual([]);
      },
      TIMEOUT_MS,
    );

    test(
      "every route: each nasty JSON value and each invalid body, whole",
      async () => {
        const problems = await eachRoute((route) => [
          ...Object.entries(NASTY_VALUES).map(([name, value]): [string, FuzzRequest] => [
            `body ${name}`,
            plain(route, knownPath(route), jsonText(value)),
          ]),
          ...Object.entries(INVALID_BODIES).map(([name, bytes]): [string, FuzzRequest] => [
            `body ${name}`,
            plain(route, knownPath(route), bytes),
          ]),
        ]);
        expect(problems).toEqual([]);
      },
      TIMEOUT_MS,
    );

    test(
      "every field of every body schema: deep nesting, huge numbers, NUL, surrogates, __proto__",
      async () => {
        let count = 0;
        const problems = await eachRoute((route) =>
          fieldPaths(route.body ?? {}).flatMap((path) =>
            CORE_NASTY.map((name): [string, FuzzRequest] => {
              count += 1;
              const body = jsonText(placeAt(path, NASTY_VALUES[name]));
              return [`${path.join(".")} = ${name}`, plain(route, knownPath(route), body)];
            }),
          ),
        );
        expect(count).toBeGreaterThan(100);
        expect(problems).toEqual([]);
      },
      TIMEOUT_MS,
    );

    test(
      "every path parameter: traversal, SQL, percent-encoding, unicode, prototype names",
      async () => {
        const problems = await eachRoute((route) =>
          route.params.flatMap((param) =>
            HOSTILE_SEGMENTS.map((segment): [string, FuzzRequest] => {
              const segments = Object.fromEntries(
                route.params.map((p) => [p.name, server.context.known[p.name]?.[0] ?? "x"]),
              );
              segments[param.name] = segment;
              const target = fillTemplate(route.template, segments);
              return [`${param.name}=${segment.slice(0, 40)}`, plain(route, target, validBody(route))];
            }),
          ),
        );
        expect(problems).toEqual([]);
      },
      TIMEOUT_MS,
    );

    test(
      "every route: huge headers, many headers, wrong content types",
      async () => {
        const variants: Array<[string, Array<[string, string]>]> = [
          ["8,000-byte header", [["x-huge", "h".repeat(8000)]]],
          ["8,300-byte header", [["x-huge", "h".repeat(8300)]]],
          ["20,000-byte header", [["x-huge", "h".repeat(20_000)]]],
          ["100 headers", Array.from({ length: 100 }, (_, i): [string, string] => [`x-many-${i}`, "v"])],
          ["250 headers", Array.from({ length: 250 }, (_, i): [string, string] => [`x-many-${i}`, "v"])],
          ["text/plain", [["content-type", "text/plain"]]],
          ["form", [["content-type", "application/x-www-form-urlencoded"]]],
          ["utf-16 JSON", [["content-type", "application/json; charset=utf-16"]]],
          ["gzip-encoded", [["content-encoding", "gzip"]]],
          ["huge idempotency key", [["idempotency-key", "k".repeat(7000)]]],
          ["junk request id", [["x-request-id", "\u00ff\u00fe; DROP TABLE"]]],
        ];
        const problems = await eachRoute((route) =>
          variants.map(([name, headers]): [string, FuzzRequest] => [
            name,
            plain(route, knownPath(route), validBody(route), headers),
          ]),
        );
        expect(problems).toEqual([]);
      },
      TIMEOUT_MS,
    );

    test(
      "every route: a chunked body that turns out broken is refused and changes nothing",
      async () => {
        // Bun answers 400 itself when a chunk is malformed, after it has handed the request to the
        // app; the handler must not act on it (it once did, on routes that take no body).
        const problems = await eachRoute((route) =>
          ["zz\r\n{}", "2\r\n{}\r\nzz\r\n"].map((body): [string, FuzzRequest] => [
            `chunks ${JSON.stringify(body)}`,
            plain(route, knownPath(route), body, [["transfer-encoding", "chunked"]]),
          ]),
        );
        expect(problems).toEqual([]);
      },
      TIMEOUT_MS,
    );

    test(
      "malformed HTTP: odd methods, control bytes in the target, header injection, broken framing",
      async () => {
        await server.reset();
        const anyRoute = fc.constantFrom(...server.catalog).chain((route) => malformedFor(route, server.context));
        await fc.assert(fc.asyncProperty(readable(anyRoute), server.target.property), { numRuns: MALFORMED_RUNS });
        expect(await server.target.alive()).toBe(true);
      },
      TIMEOUT_MS,
    );
  });
}
