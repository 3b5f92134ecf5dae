import { invalidField } from "./errors.ts";

/** Queue, topic and subscription names: DESIGN §1. */
export const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

export function assertName(field: string, value: string): string {
  if (!NAME_PATTERN.test(value)) {
    throw invalidField(
      field,
      `"${value.slice(0, 140)}" is not a valid name; use 1-128 characters from A-Z a-z 0-9 . _ - starting with a letter or digit`,
    );
  }
  return value;
}
