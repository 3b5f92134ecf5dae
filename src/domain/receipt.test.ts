import { describe, expect, test } from "bun:test";
import { decodeReceipt, encodeReceipt, leaseTokenMatches, newLeaseToken, newLeaseTokens } from "./receipt.ts";

describe("receipts", () => {
  test("round-trip sequence, generation and token", () => {
    for (const [seq, generation] of [
      [1, 1],
      [42, 7],
      [Number.MAX_SAFE_INTEGER, 3],
    ] as const) {
      const token = newLeaseToken();
      const receipt = encodeReceipt(seq, generation, token);
      expect(receipt.length).toBeLessThanOrEqual(64);
      const parts = decodeReceipt(receipt);
      expect(parts).toEqual({ seq, generation, token });
    }
  });

  test("differ between generations of the same message, and between leases", () => {
    const token = newLeaseToken();
    expect(encodeReceipt(5, 1, token)).not.toBe(encodeReceipt(5, 2, token));
    expect(encodeReceipt(5, 1, newLeaseToken())).not.toBe(encodeReceipt(5, 1, newLeaseToken()));
  });

  test("carry 128 random bits", () => {
    expect(newLeaseToken()).toHaveLength(16);
    const seen = new Set(Array.from({ length: 1000 }, () => newLeaseToken().toString("hex")));
    expect(seen.size).toBe(1000);
  });

  test("reject anything malformed, including the guessable r1 form", () => {
    const token = encodeReceipt(1, 1, Buffer.alloc(16, 7)).split(".")[3]!;
    for (const bad of [
      "",
      "r2",
      "r2.1.1",
      "r1.1.1",
      `r1.1.1.${token}`,
      `r2.1.1.${token}.1`,
      `r2.-1.1.${token}`,
      `r2.1.0.${token}`,
      `r2.0.1.${token}`,
      `r2.A.1.${token}`,
      `r2.zzzzzzzzzzzzzz.1.${token}`,
      `r2.1.1.${token.slice(1)}`,
      `r2.1.1.${token}A`,
      `r2.1.1.${token.slice(0, 21)}B`,
      `r2.1.1.${token.slice(0, 21).replace(/./, "+")}A`,
      `x.1.1.${token}`,
    ]) {
      expect(decodeReceipt(bad)).toBeNull();
    }
  });

  test("tokens match only themselves, and never a missing or short token", () => {
    const token = newLeaseToken();
    expect(leaseTokenMatches(token, Buffer.from(token))).toBe(true);
    const other = Buffer.from(token);
    other[15] = other[15]! ^ 1;
    expect(leaseTokenMatches(token, other)).toBe(false);
    expect(leaseTokenMatches(null, token)).toBe(false);
    expect(leaseTokenMatches(token.subarray(0, 8), token.subarray(0, 8))).toBe(false);
  });
});

test("a batch of tokens holds distinct 16-byte tokens", () => {
  const tokens = newLeaseTokens(100);
  expect(tokens.every((token) => token.length === 16)).toBe(true);
  expect(new Set(tokens.map((token) => token.toString("hex"))).size).toBe(100);
});
