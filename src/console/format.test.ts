import { expect, test } from "bun:test";
import { afterForPrefix, age, bodyText, parseJsonField, webhookState } from "./format.ts";

test("ages read at a glance", () => {
  expect([0, 5, 300, 10_000, 500_000].map(age)).toEqual(["—", "5 s", "5 min", "3 h", "6 d"]);
});

test("the webhook column names the state an operator acts on", () => {
  const circuit = { state: "closed" as const, consecutiveFailures: 0, openUntil: null };
  expect(webhookState(null)).toBe("none");
  expect(webhookState({ status: "enabled", disabledReason: null, circuit })).toBe("healthy");
  expect(
    webhookState({ status: "enabled", disabledReason: null, circuit: { ...circuit, consecutiveFailures: 2 } }),
  ).toBe("failing");
  expect(webhookState({ status: "enabled", disabledReason: null, circuit: { ...circuit, state: "open" } })).toBe(
    "circuit open",
  );
  expect(webhookState({ status: "disabled", disabledReason: "410", circuit })).toBe("disabled");
});

test("a prefix search lists names from the prefix on", () => {
  const names = ["orc", "ord", "orders", "orders-eu", "ore", "zeta"];
  const after = afterForPrefix("ord")!;
  expect(names.filter((name) => name > after)).toEqual(["ord", "orders", "orders-eu", "ore", "zeta"]);
  expect(afterForPrefix("")).toBeNull();
});

test("bodies: pretty JSON, or base64 as sent", () => {
  expect(bodyText({ body: { a: 1 } })).toBe('{\n  "a": 1\n}');
  expect(bodyText({ bodyBase64: "AAE=" })).toBe("AAE=");
  expect(parseJsonField("{", "body")).toEqual({ ok: false, error: "body is not valid JSON" });
  expect(parseJsonField('{"a":1}', "body")).toEqual({ ok: true, value: { a: 1 } });
});
