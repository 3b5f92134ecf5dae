import type { LeasedMessage } from "../domain/message.ts";

/**
 * The JSON text POSTed for one message, the bytes that are signed:
 * `{"id","queue","attempt","enqueuedAt","headers","body"}`, with `bodyBase64` instead of `body`
 * for a message published as bytes. Body and headers are stored as JSON text already, so they
 * are spliced in unparsed.
 */
export function envelope(queue: string, message: LeasedMessage): string {
  return (
    `{"id":${JSON.stringify(message.id)},"queue":${JSON.stringify(queue)},"attempt":${message.attempts}` +
    `,"enqueuedAt":"${new Date(message.enqueuedAt).toISOString()}","headers":${message.headers ?? "{}"},` +
    (message.bodyIsBinary ? `"bodyBase64":${JSON.stringify(message.body)}` : `"body":${message.body}`) +
    "}"
  );
}
