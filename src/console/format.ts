import type { DeliveryState } from "./types.ts";

/** "12 s", "4 min", "3 h", "2 d": an age at a glance. */
export function age(seconds: number): string {
  if (seconds < 1) return "—";
  if (seconds < 120) return `${Math.round(seconds)} s`;
  if (seconds < 7200) return `${Math.round(seconds / 60)} min`;
  if (seconds < 172_800) return `${Math.round(seconds / 3600)} h`;
  return `${Math.round(seconds / 86_400)} d`;
}

/** One word for the webhook column: what an operator would act on first. */
export function webhookState(
  state: DeliveryState | null,
): "none" | "healthy" | "failing" | "circuit open" | "disabled" {
  if (state === null) return "none";
  if (state.status === "disabled") return "disabled";
  if (state.circuit.state !== "closed") return "circuit open";
  return state.circuit.consecutiveFailures > 0 ? "failing" : "healthy";
}

/** The body as a person reads it: pretty JSON, or the base64 of bytes. */
export function bodyText(message: { body?: unknown; bodyBase64?: string }): string {
  if (message.bodyBase64 !== undefined) return message.bodyBase64;
  return JSON.stringify(message.body, null, 2);
}

/**
 * The `after` cursor that lists queue names from `prefix` on: queue-list cursors are the last name
 * seen, names use [A-Za-z0-9._-], and "~" sorts after all of those.
 */
export function afterForPrefix(prefix: string): string | null {
  if (prefix === "") return null;
  const last = prefix.charCodeAt(prefix.length - 1);
  return `${prefix.slice(0, -1)}${String.fromCharCode(last - 1)}~`;
}

/** Parses the publish form's JSON; a message naming the field when it is not JSON. */
export function parseJsonField(
  text: string,
  field: string,
): { ok: true; value: unknown } | { ok: false; error: string } {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return { ok: false, error: `${field} is not valid JSON` };
  }
}
