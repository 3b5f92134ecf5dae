// JSON text that JSON.stringify cannot write: numbers past a double (1e400), -0, keys such as
// __proto__ (an object literal would set the prototype instead), duplicate keys, and nesting
// deep enough to overflow a recursive reader. Values are built as trees and written here.

/** Text spliced into the document as it is. */
export class RawJson {
  constructor(readonly text: string) {}
}

/** An object as a list of members, so that any key (and the same key twice) can be written. */
export class Members {
  constructor(readonly entries: ReadonlyArray<readonly [string, unknown]>) {}
}

export function jsonText(value: unknown): string {
  if (value instanceof RawJson) return value.text;
  if (value instanceof Members) {
    return `{${value.entries.map(([key, member]) => `${JSON.stringify(key)}:${jsonText(member)}`).join(",")}}`;
  }
  if (Array.isArray(value)) return `[${value.map(jsonText).join(",")}]`;
  if (value !== null && typeof value === "object") {
    return `{${Object.keys(value)
      .map((key) => `${JSON.stringify(key)}:${jsonText((value as Record<string, unknown>)[key])}`)
      .join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

const DEPTH = 100_000;

/** Values every JSON field should survive being given. */
export const NASTY_VALUES: Record<string, RawJson> = {
  "100,000 nested arrays": new RawJson("[".repeat(DEPTH) + "]".repeat(DEPTH)),
  "100,000 nested objects": new RawJson('{"a":'.repeat(DEPTH) + "1" + "}".repeat(DEPTH)),
  "1e400": new RawJson("1e400"),
  "-1e400": new RawJson("-1e400"),
  "-0": new RawJson("-0"),
  "2**64": new RawJson("18446744073709551616"),
  "-2**63-1": new RawJson("-9223372036854775809"),
  "1e-400": new RawJson("1e-400"),
  "30 digits": new RawJson("123456789012345678901234567890"),
  "NUL in a string": new RawJson('"a\\u0000b"'),
  "lone surrogate": new RawJson('"\\ud800"'),
  "reversed surrogates": new RawJson('"\\udfff\\ud800"'),
  "__proto__ key": new RawJson('{"__proto__":{"fuzzPolluted":"yes"}}'),
  "constructor.prototype": new RawJson('{"constructor":{"prototype":{"fuzzPolluted":"yes"}}}'),
  "__proto__ null": new RawJson('{"__proto__":null}'),
  "Object.prototype names": new RawJson('{"toString":1,"valueOf":"x","hasOwnProperty":null}'),
  "duplicate keys": new RawJson('{"a":1,"a":[2]}'),
  "100,000 characters": new RawJson(JSON.stringify("x".repeat(DEPTH))),
  "empty object": new RawJson("{}"),
  "empty array": new RawJson("[]"),
  null: new RawJson("null"),
  "empty string": new RawJson('""'),
};

/** The few that matter most, for exhaustive field-by-field runs. */
export const CORE_NASTY = [
  "100,000 nested arrays",
  "100,000 nested objects",
  "1e400",
  "-0",
  "2**64",
  "NUL in a string",
  "lone surrogate",
  "__proto__ key",
  "constructor.prototype",
] as const;

const bytes = (...parts: Array<string | number[]>) =>
  Buffer.concat(parts.map((part) => (typeof part === "string" ? Buffer.from(part) : Buffer.from(part))));

/** Bodies that are not JSON at all, or not UTF-8. */
export const INVALID_BODIES: Record<string, Buffer> = {
  "100,000 unclosed [": Buffer.from("[".repeat(DEPTH)),
  "raw NUL in a string": bytes('{"body":"a', [0], 'b"}'),
  "invalid UTF-8 in a string": bytes('{"body":"', [0xff, 0xfe, 0xc3], '"}'),
  "overlong UTF-8 slash": bytes('{"body":"', [0xc0, 0xaf], '"}'),
  "UTF-8 surrogate bytes": bytes('{"body":"', [0xed, 0xa0, 0x80], '"}'),
  "byte order mark": bytes([0xef, 0xbb, 0xbf], "{}"),
  "UTF-16 JSON": Buffer.from('{"body":1}', "utf16le"),
  NaN: Buffer.from("NaN"),
  Infinity: Buffer.from('{"body":Infinity}'),
  "single quotes": Buffer.from("{'body':1}"),
  "trailing comma": Buffer.from('{"body":1,}'),
  comment: Buffer.from('{"body":1 /* x */}'),
  "two documents": Buffer.from('{"body":1}{"body":2}'),
  "form encoded": Buffer.from("body=1&x=2"),
  "50,000 keys": Buffer.from(`{${Array.from({ length: 50_000 }, (_, i) => `"k${i}":1`).join(",")}}`),
};
