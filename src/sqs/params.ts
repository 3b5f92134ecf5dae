import { invalidParameterValue, missingParameter } from "./errors.ts";

/**
 * Request parameters in the JSON protocol's shape. The query protocol is converted into this
 * shape first, so numbers may still be strings there: these readers accept both.
 */
export type Params = Record<string, unknown>;

export function optionalString(params: Params, name: string): string | undefined {
  const value = params[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string") throw invalidParameterValue(`${name} must be a string`);
  return value;
}

export function requiredString(params: Params, name: string): string {
  const value = optionalString(params, name);
  if (value === undefined) throw missingParameter(`The request must contain the parameter ${name}.`);
  return value;
}

export function optionalInt(params: Params, name: string, min: number, max: number): number | undefined {
  const value = params[name];
  if (value === undefined || value === null || value === "") return undefined;
  const number =
    typeof value === "number" ? value : typeof value === "string" && /^-?\d+$/.test(value) ? Number(value) : NaN;
  if (!Number.isInteger(number) || number < min || number > max) {
    throw invalidParameterValue(
      `Value ${JSON.stringify(value).slice(0, 64)} for parameter ${name} is invalid. Reason: must be an integer from ${min} to ${max}.`,
    );
  }
  return number;
}

export function stringList(params: Params, name: string): string[] {
  const value = params[name];
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || !value.every((item) => typeof item === "string")) {
    throw invalidParameterValue(`${name} must be a list of strings`);
  }
  return value;
}

export function stringMap(params: Params, name: string): Record<string, string> {
  const value = params[name];
  if (value === undefined || value === null) return {};
  if (typeof value !== "object" || Array.isArray(value)) throw invalidParameterValue(`${name} must be a map`);
  for (const [key, item] of Object.entries(value)) {
    if (typeof item !== "string") throw invalidParameterValue(`${name}.${key} must be a string`);
  }
  return value as Record<string, string>;
}

export function objectList(params: Params, name: string): Params[] {
  const value = params[name];
  if (value === undefined || value === null) return [];
  if (
    !Array.isArray(value) ||
    !value.every((item) => typeof item === "object" && item !== null && !Array.isArray(item))
  ) {
    throw invalidParameterValue(`${name} must be a list of entries`);
  }
  return value as Params[];
}
