import { describe, expect, test } from "bun:test";
import { Value } from "@sinclair/typebox/value";
import { validationError } from "./errors.ts";
import { QueueSettingsBody, SubscriptionBody } from "./schemas.ts";

// Straight from TypeBox's Value.Errors (what any router validating with these schemas gets),
// not only through Elysia: the message names the deepest failing field of a union.
async function messageFor(schema: Parameters<typeof Value.Errors>[0], value: unknown): Promise<string> {
  const error = validationError("body", [...Value.Errors(schema, value)]);
  expect(error.status).toBe(400);
  return Promise.resolve(error.message);
}

describe("validationResponse", () => {
  test("a nullable object is described by its object branch, down to the failing field", async () => {
    expect(
      await messageFor(QueueSettingsBody, { delivery: { url: "ftp://x", secret: "whsec_AAAAAAAAAAAAAAAAAAAA" } }),
    ).toStartWith("delivery.url: must be an http(s) URL");
    expect(await messageFor(QueueSettingsBody, { delivery: 7 })).toBe("delivery: must be an object, or null");
  });

  test("a string-or-list field names the list rule when a list was sent", async () => {
    expect(await messageFor(SubscriptionBody, { queue: "q", filter: { type: [] } })).toBe(
      "filter.type: must be a non-empty list of strings",
    );
    expect(await messageFor(SubscriptionBody, { queue: "q", filter: { type: true } })).toBe(
      "filter.type: must be a string or a non-empty list of strings",
    );
  });
});
