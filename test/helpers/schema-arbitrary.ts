import fc from "fast-check";
import { Members, NASTY_VALUES, RawJson } from "./json-text.ts";
import type { JsonSchema } from "./route-catalog.ts";

// Values derived from a route's own JSON Schema (from /openapi.json): mostly valid ones, so that
// requests get past validation and into the handlers, and then mutated ones, so that what the
// handlers and the store receive is the edge of what the schema lets through.

/**
 * Fields whose valid values would make a request wait: a long-poll receive waits up to a minute
 * for a message that may never come (the clock is frozen while fuzzing). Long polls have their
 * own tests; here such fields get only values that answer at once.
 */
const NON_WAITING: Record<string, unknown[]> = { waitSeconds: [0, -1, 60.5, 61, "1", null] };

const MAX_ITEMS = 3;

function types(schema: JsonSchema): string[] {
  if (Array.isArray(schema.type)) return schema.type;
  return schema.type === undefined ? [] : [schema.type];
}

/** Values that exist on the server, by property name (a receipt, a queue): they get requests furthest. */
export type KnownFields = Record<string, unknown[]>;

/** A value the schema accepts (or, for the few constraints not modelled, nearly accepts). */
export function validValue(schema: JsonSchema, known: KnownFields = {}): fc.Arbitrary<unknown> {
  if (schema.const !== undefined) return fc.constant(schema.const);
  if (schema.anyOf) return fc.oneof(...schema.anyOf.map((branch) => validValue(branch, known)));
  const [type] = types(schema);
  switch (type) {
    case "object":
      return objectValue(schema, known);
    case "array": {
      const minLength = schema.minItems ?? 0;
      return fc.array(validValue(schema.items ?? {}, known), {
        minLength,
        maxLength: Math.max(minLength, Math.min(schema.maxItems ?? MAX_ITEMS, MAX_ITEMS)),
      });
    }
    case "string":
      if (schema.pattern) return fc.stringMatching(new RegExp(schema.pattern));
      return fc.string({ minLength: schema.minLength ?? 0, maxLength: Math.min(schema.maxLength ?? 40, 40) });
    case "integer":
      return integerValue(schema);
    case "number":
      return fc.oneof(
        integerValue(schema),
        fc.double({ min: schema.minimum ?? -1e9, max: schema.maximum ?? 1e9, noNaN: true }),
      );
    case "boolean":
      return fc.boolean();
    case "null":
      return fc.constant(null);
    default:
      return fc.jsonValue({ maxDepth: 3 });
  }
}

function integerValue(schema: JsonSchema): fc.Arbitrary<number> {
  const min = Math.max(schema.minimum ?? -(2 ** 31), -(2 ** 31));
  const max = Math.min(schema.maximum ?? 2 ** 31, 2 ** 31);
  // The bounds themselves are where off-by-one mistakes live.
  return fc.oneof(fc.constantFrom(min, max), fc.integer({ min, max }));
}

function objectValue(schema: JsonSchema, known: KnownFields): fc.Arbitrary<unknown> {
  const properties = schema.properties ?? {};
  if (Object.keys(properties).length === 0 && schema.patternProperties) {
    const [valueSchema] = Object.values(schema.patternProperties);
    return fc.dictionary(fc.string({ maxLength: 20 }), validValue(valueSchema ?? {}, known), { maxKeys: 4 });
  }
  const model: Record<string, fc.Arbitrary<unknown>> = {};
  for (const [name, property] of Object.entries(properties)) {
    const values = known[name] ?? [];
    if (name in NON_WAITING) model[name] = fc.constantFrom(...NON_WAITING[name]!);
    else if (values.length > 0) model[name] = fc.oneof(fc.constantFrom(...values), validValue(property, known));
    else model[name] = validValue(property, known);
  }
  return fc.record(model, { requiredKeys: schema.required ?? [] });
}

/** A property path into the body, e.g. ["messages", 0, "body"]. */
export type FieldPath = Array<string | number>;

/** The paths of the body's fields, two levels down (into array items too), for field-by-field runs. */
export function fieldPaths(schema: JsonSchema, depth = 2): FieldPath[] {
  const paths = new Map<string, FieldPath>();
  const add = (path: FieldPath) => paths.set(JSON.stringify(path), path);
  for (const [name, property] of Object.entries(schema.properties ?? {})) {
    add([name]);
    if (depth <= 1) continue;
    for (const branch of [property, ...(property.anyOf ?? [])]) {
      if (branch.items?.properties) for (const sub of fieldPaths(branch.items, depth - 1)) add([name, 0, ...sub]);
      else if (branch.properties) for (const sub of fieldPaths(branch, depth - 1)) add([name, ...sub]);
    }
  }
  return [...paths.values()];
}

/** `value` placed at `path` inside otherwise empty containers: `["a", 0, "b"]` -> {"a":[{"b":value}]}. */
export function placeAt(path: FieldPath, value: unknown): unknown {
  return path.reduceRight<unknown>(
    (inner, key) => (typeof key === "number" ? [inner] : new Members([[key, inner]])),
    value,
  );
}

/**
 * Replaces (or adds) the member at `path` of a generated value. A wrong value that happens to be
 * a valid wait (up to 60 s) is made no wait (see NON_WAITING): a fuzzed long-poll that never
 * ends would go on taking the messages that later requests expect to find.
 */
export function setAt(root: unknown, path: FieldPath, value: unknown): unknown {
  const last = path[path.length - 1];
  if (typeof last === "string" && last in NON_WAITING && typeof value === "number" && value > 0 && value <= 60)
    value = 0;
  if (path.length === 0) return value;
  const [key, ...rest] = path;
  if (typeof key === "number") {
    const list = Array.isArray(root) && root.length > 0 ? [...(root as unknown[])] : [{}];
    list[0] = setAt(list[0], rest, value);
    return list;
  }
  const base = root !== null && typeof root === "object" && !Array.isArray(root) ? root : {};
  const entries = Object.entries(base).filter(([name]) => name !== key);
  const current = (base as Record<string, unknown>)[key!];
  return new Members([...entries, [key!, setAt(current, rest, value)]]);
}

/** Values that are wrong for nearly every field: wrong types, out of range, hostile text. */
export const wrongValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(...Object.values(NASTY_VALUES)),
  fc.constantFrom<unknown>(-1, 0, 1.5, 2 ** 53 + 1, -(2 ** 31) - 1, true, "", "1", "x".repeat(9000), [], {}, [null]),
  fc.jsonValue({ maxDepth: 2 }),
  fc.string({ unit: "binary", maxLength: 30 }),
);

/** Hostile members to add to an object: prototype keys and names the schema does not know. */
export const extraMember: fc.Arbitrary<readonly [string, unknown]> = fc.tuple(
  fc.oneof(fc.constantFrom("__proto__", "constructor", "prototype", "toString", "", "\u0000"), fc.string()),
  fc.oneof(fc.constant(new RawJson('{"fuzzPolluted":"yes"}')), wrongValue),
);
