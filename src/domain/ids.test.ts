import { expect, test } from "bun:test";
import { newMessageId } from "./ids.ts";

test("message ids are UUIDv7 and sort in creation order", () => {
  const ids = Array.from({ length: 2000 }, () => newMessageId());
  for (const id of ids) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  expect([...ids].sort()).toEqual(ids);
  expect(new Set(ids).size).toBe(ids.length);
});
