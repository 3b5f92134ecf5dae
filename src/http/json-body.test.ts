import { expect, test } from "bun:test";
import { BrokerError } from "../domain/errors.ts";
import { exceedsDepth, MAX_JSON_DEPTH, parseJsonBody } from "./json-body.ts";

function codeOf(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    if (error instanceof BrokerError) return `${error.status} ${error.code}`;
    throw error;
  }
  return "no error";
}

function nested(levels: number, open = "[", close = "]"): string {
  return open.repeat(levels) + close.repeat(levels);
}

test("parses ordinary JSON, and an empty body as undefined", () => {
  expect(parseJsonBody('{"body":{"a":[1,2,{"b":"c"}]}}')).toEqual({ body: { a: [1, 2, { b: "c" }] } });
  expect(parseJsonBody("")).toBeUndefined();
  expect(parseJsonBody('"ünïcödé ✓"')).toBe("ünïcödé ✓");
});

test("nesting up to the limit is accepted; one level more is 400 nesting_too_deep naming the limit", () => {
  expect(parseJsonBody(nested(MAX_JSON_DEPTH))).toBeDefined();
  let deepObject: unknown = 1;
  for (let i = 0; i < MAX_JSON_DEPTH; i++) deepObject = { a: deepObject };
  expect(parseJsonBody(JSON.stringify(deepObject))).toEqual(deepObject);
  expect(codeOf(() => parseJsonBody(JSON.stringify({ a: deepObject })))).toBe("400 nesting_too_deep");
  expect(codeOf(() => parseJsonBody(nested(MAX_JSON_DEPTH + 1)))).toBe("400 nesting_too_deep");
  try {
    parseJsonBody(nested(MAX_JSON_DEPTH + 1));
  } catch (error) {
    expect((error as BrokerError).message).toContain(`more than ${MAX_JSON_DEPTH} levels`);
    expect((error as BrokerError).details).toEqual({ limit: MAX_JSON_DEPTH });
  }
});

test("100,000 levels of [ answer 400, not a stack overflow, also when unclosed", () => {
  expect(codeOf(() => parseJsonBody("[".repeat(100_000)))).toBe("400 nesting_too_deep");
  expect(codeOf(() => parseJsonBody(nested(100_000, '{"a":', "}")))).toBe("400 nesting_too_deep");
});

test("brackets inside strings do not count, including after escaped quotes and backslashes", () => {
  const deepInString = `{"body":"${"[".repeat(1000)}${"{".repeat(1000)}"}`;
  expect(parseJsonBody(deepInString)).toEqual({ body: "[".repeat(1000) + "{".repeat(1000) });
  // An escaped quote does not end the string, so the brackets after it are still text.
  const escapedQuote = `["a\\"${"[".repeat(200)}"]`;
  expect(parseJsonBody(escapedQuote)).toEqual([`a"${"[".repeat(200)}`]);
  // An escaped backslash does end before the quote: the string closes, and real nesting follows.
  const escapedBackslash = `["a\\\\", ${nested(MAX_JSON_DEPTH + 1)}]`;
  expect(codeOf(() => parseJsonBody(escapedBackslash))).toBe("400 nesting_too_deep");
  expect(exceedsDepth(`["\\\\\\"[[[[", 1]`, 1)).toBe(false);
  expect(exceedsDepth(`["\\\\", [1]]`, 1)).toBe(true);
});

test("malformed JSON is 400 malformed_json", () => {
  expect(codeOf(() => parseJsonBody("{"))).toBe("400 malformed_json");
  expect(codeOf(() => parseJsonBody('{"a":}'))).toBe("400 malformed_json");
  expect(codeOf(() => parseJsonBody("]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]"))).toBe(
    "400 malformed_json",
  );
  expect(codeOf(() => parseJsonBody(new TextDecoder().decode(new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]))))).toBe(
    "400 malformed_json",
  );
});

test("numbers beyond a double are refused instead of being stored as null", () => {
  for (const text of ['{"body":1e400}', '{"body":[1, -2E+999]}', `{"body":${"9".repeat(400)}}`]) {
    expect(() => parseJsonBody(text)).toThrow("beyond what a double can hold");
  }
  // Large but finite numbers, exponents in strings, true/false and negative exponents pass.
  expect(parseJsonBody('{"a":1.7e308,"b":"1e400","c":true,"d":false,"e":1e-400}')).toEqual({
    a: 1.7e308,
    b: "1e400",
    c: true,
    d: false,
    e: 0,
  });
});
