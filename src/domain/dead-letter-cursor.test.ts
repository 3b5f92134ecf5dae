import { describe, expect, test } from "bun:test";
import { deadLetterCursor, openDeadLetterCursor } from "./dead-letter-cursor.ts";
import { BrokerError } from "./errors.ts";

function refusedField(after: string): unknown {
  try {
    openDeadLetterCursor(after);
  } catch (error) {
    if (error instanceof BrokerError) return (error.details as { field: string }).field;
    throw error;
  }
  return null;
}

describe("dead-letter cursor", () => {
  test("a cursor the broker issued opens to the store's cursor", () => {
    for (const inner of ["1", "2s", "zzzzzzzzzzz"]) expect(openDeadLetterCursor(deadLetterCursor(inner)!)).toBe(inner);
    expect(deadLetterCursor(null)).toBeNull();
    expect(openDeadLetterCursor(undefined)).toBeNull();
  });

  test("made-up, truncated or edited cursors are refused naming after", () => {
    const real = deadLetterCursor("2s")!;
    for (const after of ["garbage", "-5", "", ".", real.slice(0, -1), `3${real.slice(1)}`, `${real}x`]) {
      expect(refusedField(after)).toBe("after");
    }
  });
});
