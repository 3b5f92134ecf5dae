import { Type as t } from "@sinclair/typebox";
import { invalidField } from "../domain/errors.ts";

export const DEFAULT_PAGE_SIZE = 100;
export const MAX_PAGE_SIZE = 1000;

// Query values stay strings in the schema and are parsed here, so a bad one is answered with
// the field's name and the allowed range.
export const PageQuery = t.Object({
  after: t.Optional(t.String({ maxLength: 256, description: "the nextCursor of the previous page" })),
  limit: t.Optional(
    t.String({ maxLength: 8, description: `page size, 1-${MAX_PAGE_SIZE}; default ${DEFAULT_PAGE_SIZE}` }),
  ),
});

export function parseLimit(raw: string | undefined): number {
  if (raw === undefined) return DEFAULT_PAGE_SIZE;
  const limit = /^\d+$/.test(raw) ? Number(raw) : NaN;
  if (!(limit >= 1 && limit <= MAX_PAGE_SIZE)) {
    throw invalidField("limit", `must be a whole number from 1 to ${MAX_PAGE_SIZE}`);
  }
  return limit;
}
