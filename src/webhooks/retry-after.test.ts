import { expect, test } from "bun:test";
import { parseRetryAfter } from "./retry-after.ts";

const NOW = Date.parse("2015-10-21T07:28:00Z");

test.each([
  [null, null],
  ["0", 0],
  ["120", 120_000],
  [" 5 ", 5000],
  ["Wed, 21 Oct 2015 07:28:30 GMT", 30_000],
  ["Wednesday, 21-Oct-15 07:29:00 GMT", 60_000],
  ["Wed, 21 Oct 2015 07:00:00 GMT", 0],
  ["-5", null],
  ["1.5", null],
  ["soon", null],
  ["Wed, 99 Oct 2015 07:28:00 GMT", null],
  ["2015-10-21T07:28:30Z", null],
  ["99999999999999999999", null],
])("Retry-After %p is %p ms", (value, expected) => {
  expect(parseRetryAfter(value, NOW)).toBe(expected);
});
