import { invalidMessageContents, invalidParameterValue } from "./errors.ts";
import type { AttributeValue } from "./md5.ts";

/**
 * How SQS message attributes live in Millrace message headers, so /v1 consumers see them and SQS
 * receivers get them back with the same MD5:
 * - each attribute is the header of the same name, its value the StringValue (base64 for Binary);
 * - data types other than plain `String` are listed in the header `sqs-types`, a JSON object
 *   from attribute name to data type (`{"amount":"Number","blob":"Binary"}`);
 * - the AWSTraceHeader system attribute is the header `sqs-aws-trace-header`.
 * Header names starting with `sqs-` are Millrace's and never become attributes; /v1 headers
 * become String attributes.
 */
export const TYPES_HEADER = "sqs-types";
export const TRACE_HEADER = "sqs-aws-trace-header";
const RESERVED_PREFIX = "sqs-";
const MAX_ATTRIBUTES = 10;

/** Attributes as the JSON protocol carries them: BinaryValue in base64. */
export type WireAttribute = { DataType: string; StringValue?: string; BinaryValue?: string };

const ATTRIBUTE_NAME = /^(?!\.)(?!.*\.\.)[A-Za-z0-9_.-]{1,256}(?<!\.)$/;
const DATA_TYPE = /^(String|Number|Binary)(\.[^\s]{1,245})?$/;
const NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
// What SQS accepts in bodies and string values: #x9 #xA #xD #x20-#xD7FF #xE000-#xFFFD #x10000-#x10FFFF.
const SQS_TEXT = /^[\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]*$/u;

export function assertSqsText(field: string, text: string): void {
  if (!SQS_TEXT.test(text)) {
    throw invalidMessageContents(
      `${field} contains characters outside the allowed set (#x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF)`,
    );
  }
}

/** Validates MessageAttributes; returns them with BinaryValue decoded (for the MD5) and their size in bytes. */
export function checkAttributes(
  raw: unknown,
  field = "MessageAttributes",
): { attributes: Record<string, AttributeValue>; wire: Record<string, WireAttribute>; bytes: number } {
  const attributes = emptyMap<AttributeValue>();
  const wire = emptyMap<WireAttribute>();
  let bytes = 0;
  if (raw === undefined || raw === null) return { attributes, wire, bytes };
  if (typeof raw !== "object" || Array.isArray(raw))
    throw invalidParameterValue(`${field} must be a map of name to value`);
  const entries = Object.entries(raw as Record<string, unknown>);
  if (entries.length > MAX_ATTRIBUTES)
    throw invalidParameterValue(`${field}: at most ${MAX_ATTRIBUTES} attributes per message`);
  for (const [name, value] of entries) {
    if (
      !ATTRIBUTE_NAME.test(name) ||
      /^(aws\.|amazon\.)/i.test(name) ||
      name.toLowerCase().startsWith(RESERVED_PREFIX)
    ) {
      throw invalidParameterValue(
        `${field}: "${name.slice(0, 260)}" is not a valid attribute name; use up to 256 of A-Z a-z 0-9 _ - . (no leading, trailing or double dots), not starting with AWS., Amazon. or sqs-`,
      );
    }
    const v = (value ?? {}) as Record<string, unknown>;
    const dataType = v.DataType;
    if (typeof dataType !== "string" || !DATA_TYPE.test(dataType)) {
      throw invalidParameterValue(
        `${field}.${name}.DataType must be String, Number or Binary, optionally with a .suffix`,
      );
    }
    if (dataType.startsWith("Binary")) {
      if (typeof v.BinaryValue !== "string" || !BASE64.test(v.BinaryValue)) {
        throw invalidParameterValue(`${field}.${name}: a Binary attribute needs BinaryValue (base64)`);
      }
      const decoded = Buffer.from(v.BinaryValue, "base64");
      attributes[name] = { DataType: dataType, BinaryValue: decoded };
      wire[name] = { DataType: dataType, BinaryValue: v.BinaryValue };
      bytes += decoded.length;
    } else {
      if (typeof v.StringValue !== "string") {
        throw invalidParameterValue(`${field}.${name}: a ${dataType} attribute needs StringValue`);
      }
      if (dataType.startsWith("Number") && !NUMBER.test(v.StringValue)) {
        throw invalidParameterValue(`${field}.${name}: "${v.StringValue.slice(0, 64)}" is not a number`);
      }
      assertSqsText(`${field}.${name}.StringValue`, v.StringValue);
      attributes[name] = { DataType: dataType, StringValue: v.StringValue };
      wire[name] = { DataType: dataType, StringValue: v.StringValue };
      bytes += Buffer.byteLength(v.StringValue);
    }
    bytes += Buffer.byteLength(name) + Buffer.byteLength(dataType);
  }
  return { attributes, wire, bytes };
}

export function attributesToHeaders(
  wire: Record<string, WireAttribute>,
  traceHeader: string | null,
): Record<string, string> {
  const headers = emptyMap<string>();
  const types = emptyMap<string>();
  for (const [name, value] of Object.entries(wire)) {
    headers[name] = value.BinaryValue ?? value.StringValue ?? "";
    if (value.DataType !== "String") types[name] = value.DataType;
  }
  if (Object.keys(types).length > 0) headers[TYPES_HEADER] = JSON.stringify(types);
  if (traceHeader !== null) {
    headers[TRACE_HEADER] = traceHeader;
    const traceparent = headers.traceparent === undefined ? xrayToTraceparent(traceHeader) : null;
    if (traceparent !== null) headers.traceparent = traceparent;
  }
  return headers;
}

const XRAY = /(?:^|;)\s*Root=1-([0-9a-f]{8})-([0-9a-f]{24})\s*;\s*Parent=([0-9a-f]{16})(?:\s*;\s*Sampled=([01]))?/i;

/**
 * An X-Ray trace header (`Root=1-<8 hex>-<24 hex>;Parent=<16 hex>;Sampled=1`) as a W3C
 * `traceparent`: the same trace and parent ids, which is how X-Ray and OpenTelemetry map them.
 * Null when it has no parent to continue from.
 */
export function xrayToTraceparent(header: string): string | null {
  const match = XRAY.exec(header);
  if (!match) return null;
  const [, epoch, unique, parent, sampled] = match;
  return `00-${epoch!.toLowerCase()}${unique!.toLowerCase()}-${parent!.toLowerCase()}-${sampled === "0" ? "00" : "01"}`;
}

/** The attributes stored in a message's headers (JSON text or null), and its trace header. */
export function headersToAttributes(headersJson: string | null): {
  wire: Record<string, WireAttribute>;
  traceHeader: string | null;
} {
  const wire = emptyMap<WireAttribute>();
  if (headersJson === null) return { wire, traceHeader: null };
  const headers = JSON.parse(headersJson) as Record<string, string>;
  let types: Record<string, unknown> = {};
  try {
    types = JSON.parse(headers[TYPES_HEADER] ?? "{}") as Record<string, unknown>;
  } catch {
    // A /v1 publisher may have set the header to anything; its attributes then read as strings.
  }
  for (const [name, value] of Object.entries(headers)) {
    if (name.toLowerCase().startsWith(RESERVED_PREFIX)) continue;
    const type = typeof types[name] === "string" ? types[name] : "String";
    wire[name] = type.startsWith("Binary")
      ? { DataType: type, BinaryValue: value }
      : { DataType: type, StringValue: value };
  }
  return { wire, traceHeader: headers[TRACE_HEADER] ?? null };
}

export function decodeWire(wire: Record<string, WireAttribute>): Record<string, AttributeValue> {
  const out = emptyMap<AttributeValue>();
  for (const [name, value] of Object.entries(wire)) {
    out[name] =
      value.BinaryValue !== undefined
        ? { DataType: value.DataType, BinaryValue: Buffer.from(value.BinaryValue, "base64") }
        : { DataType: value.DataType, StringValue: value.StringValue ?? "" };
  }
  return out;
}

/** Which attributes a receiver asked for: All, .*, exact names, or prefix.* patterns. */
export function selectAttributes(
  wire: Record<string, WireAttribute>,
  requested: string[],
): Record<string, WireAttribute> {
  if (requested.length === 0) return {};
  if (requested.includes("All") || requested.includes(".*")) return wire;
  const out = emptyMap<WireAttribute>();
  for (const [name, value] of Object.entries(wire)) {
    const wanted = requested.some((pattern) =>
      pattern.endsWith(".*") ? name.startsWith(pattern.slice(0, -1)) : pattern === name,
    );
    if (wanted) out[name] = value;
  }
  return out;
}

/**
 * Bodies: an SQS body is text, stored as a JSON string so /v1 consumers read it as `"body": "…"`.
 * A /v1 body that is another JSON value reaches SQS receivers as its JSON text; bytes
 * (`bodyBase64`) as their base64 text.
 */
export function bodyForSqs(message: { body: string; bodyIsBinary: boolean }): string {
  if (message.bodyIsBinary) return message.body;
  if (message.body.startsWith('"')) return JSON.parse(message.body) as string;
  return message.body;
}

/**
 * Maps keyed by client-chosen names have no prototype, so a name like `__proto__` is an ordinary
 * entry (SQS allows it) instead of replacing the map's prototype and vanishing from its MD5.
 */
export function emptyMap<T>(): Record<string, T> {
  return Object.create(null) as Record<string, T>;
}
