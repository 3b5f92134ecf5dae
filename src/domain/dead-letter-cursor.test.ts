import { describe, expect, test } from "bun:test";
import { deadLetterCursor, parseDeadLetterQuery } from "./dead-letter-cursor.ts";
import { BrokerError } from "./errors.ts";

function refusedField(query: { after?: string; limit?: string }): unknown {
  try {
    parseDeadLetterQuery(query);
  } catch (error) {
    if (error instanceof BrokerError) return (error.details as { field: string }).field;
    throw error;
  }
  return null;
}

describe("dead-letter cursor", () => {
  test("a cursor the broker issued opens to the store's cursor", () => {
    for (const inner of ["1", "2s", "zzzzzzzzzzz"]) {
      expect(parseDeadLetterQuery({ after: deadLetterCursor(inner)! }).after).toBe(inner);
    }
    expect(deadLetterCursor(null)).toBeNull();
    expect(parseDeadLetterQuery({})).toEqual({ after: null, limit: 100 });
  });

  test("made-up, truncated or edited cursors are refused naming after", () => {
    const real = deadLetterCursor("2s")!;
    for (const after of ["garbage", "-5", "", ".", real.slice(0, -1), `3${real.slice(1)}`, `${real}x`]) {
      expect(refusedField({ after })).toBe("after");
    }
  });

  test("limit is a whole number from 1 to 1000", () => {
    expect(parseDeadLetterQuery({ limit: "1000" }).limit).toBe(1000);
    for (const limit of ["0", "1001", "ten", "1.5", "-1"]) expect(refusedField({ limit })).toBe("limit");
  });
});
