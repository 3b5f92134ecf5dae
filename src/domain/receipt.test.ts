import { describe, expect, test } from "bun:test";
import { decodeReceipt, encodeReceipt } from "./receipt.ts";

describe("receipts", () => {
  test("round-trip sequence and generation", () => {
    for (const [seq, generation] of [
      [1, 1],
      [42, 7],
      [Number.MAX_SAFE_INTEGER, 3],
    ] as const) {
      expect(decodeReceipt(encodeReceipt(seq, generation))).toEqual({ seq, generation });
    }
  });

  test("differ between generations of the same message", () => {
    expect(encodeReceipt(5, 1)).not.toBe(encodeReceipt(5, 2));
  });

  test("reject anything malformed", () => {
    for (const bad of [
      "",
      "r1",
      "r1.1",
      "r2.1.1",
      "r1.1.1.1",
      "r1.-1.1",
      "r1.1.0",
      "r1.0.1",
      "r1.A.1",
      "r1.zzzzzzzzzzzzzz.1",
      "x.1.1",
    ]) {
      expect(decodeReceipt(bad)).toBeNull();
    }
  });
});
