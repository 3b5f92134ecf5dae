import { describe, expect, test } from "bun:test";
import { BrokerError } from "../domain/errors.ts";
import { toNewMessage } from "./message-input.ts";

const NOW = 1_700_000_000_000;

function fieldOf(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    if (error instanceof BrokerError) return (error.details as { field: string }).field;
    throw error;
  }
  throw new Error("expected a BrokerError");
}

describe("toNewMessage", () => {
  test("stores JSON bodies as JSON text and computes availability", () => {
    const m = toNewMessage({ body: { a: 1 }, delaySeconds: 5, priority: 3, headers: { type: "x" } }, "", NOW);
    expect(m).toEqual({
      body: '{"a":1}',
      bodyIsBinary: false,
      headers: '{"type":"x"}',
      priority: 3,
      availableAt: NOW + 5000,
      groupId: null,
      dedupId: null,
    });
  });

  test("accepts null and falsy JSON bodies", () => {
    expect(toNewMessage({ body: null }, "", NOW).body).toBe("null");
    expect(toNewMessage({ body: 0 }, "", NOW).body).toBe("0");
  });

  test("notBefore in the past means now", () => {
    expect(toNewMessage({ body: 1, notBefore: "2000-01-01T00:00:00Z" }, "", NOW).availableAt).toBe(NOW);
  });

  test("notBefore is at most 90 days ahead, like delaySeconds, and must be ISO 8601 with a zone", () => {
    const limit = NOW + 90 * 86_400_000;
    expect(toNewMessage({ body: 1, notBefore: new Date(limit).toISOString() }, "", NOW).availableAt).toBe(limit);
    expect(toNewMessage({ body: 1, notBefore: "2023-11-15T00:00:00+01:00" }, "", NOW).availableAt).toBe(
      Date.parse("2023-11-14T23:00:00Z"),
    );
    for (const notBefore of [new Date(limit + 1).toISOString(), "9999-01-01T00:00:00Z", "1", "2023-11-15T00:00:00"]) {
      expect(fieldOf(() => toNewMessage({ body: 1, notBefore }, "messages[0]", NOW))).toBe("messages[0].notBefore");
    }
  });

  test("names the field of every mistake", () => {
    expect(fieldOf(() => toNewMessage({}, "messages[2]", NOW))).toBe("messages[2].body");
    expect(fieldOf(() => toNewMessage({ body: 1, bodyBase64: "AA==" }, "", NOW))).toBe("body");
    expect(fieldOf(() => toNewMessage({ bodyBase64: "not base64!" }, "", NOW))).toBe("bodyBase64");
    expect(fieldOf(() => toNewMessage({ body: 1, delaySeconds: 1, notBefore: "2030-01-01" }, "", NOW))).toBe(
      "delaySeconds",
    );
    expect(fieldOf(() => toNewMessage({ body: 1, notBefore: "tomorrow" }, "", NOW))).toBe("notBefore");
  });
});
