// PLACEHOLDER: replaced by W1's module at merge. Only the exported interface (WEBHOOKS.md) is
// relied on by the worker. This stand-in signs and POSTs with fetch and does NO SSRF checking, no
// address pinning and no allowlist: it exists only so that W2's tests run before the merge.
import { createHmac } from "node:crypto";

export interface WebhookRequest {
  url: string;
  messageId: string;
  body: string;
  secrets: readonly string[];
  timeoutMs: number;
  headers?: Record<string, string>;
}

export type SendOutcome =
  | { kind: "response"; status: number; durationMs: number; responseExcerpt: string; retryAfterMs: number | null }
  | { kind: "timeout" | "connection_error" | "refused_destination"; durationMs: number; error: string };

export interface WebhookSender {
  send(request: WebhookRequest, signal?: AbortSignal): Promise<SendOutcome>;
  close(): void;
}

const EXCERPT_BYTES = 1024;

export function createWebhookSender(options: {
  allowCidrs: string;
  resolveHost?: (host: string) => Promise<string[]>;
  userAgent?: string;
  now?: () => number;
}): WebhookSender {
  const now = options.now ?? Date.now;
  return {
    async send(request, signal) {
      const started = performance.now();
      const elapsed = () => performance.now() - started;
      const timestamp = Math.floor(now() / 1000).toString();
      const signed = `${request.messageId}.${timestamp}.${request.body}`;
      const signature = request.secrets
        .map((secret) => `v1,${createHmac("sha256", secretKey(secret)).update(signed).digest("base64")}`)
        .join(" ");
      const timeout = AbortSignal.timeout(request.timeoutMs);
      try {
        const response = await fetch(request.url, {
          method: "POST",
          redirect: "manual",
          signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
          headers: {
            ...request.headers,
            "content-type": "application/json",
            "user-agent": options.userAgent ?? "millrace-webhooks",
            "webhook-id": request.messageId,
            "webhook-timestamp": timestamp,
            "webhook-signature": signature,
          },
          body: request.body,
        });
        const excerpt = await readExcerpt(response);
        return {
          kind: "response",
          status: response.status,
          durationMs: elapsed(),
          responseExcerpt: excerpt,
          retryAfterMs: retryAfter(response.headers.get("retry-after")),
        };
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        const kind = timeout.aborted ? "timeout" : "connection_error";
        return { kind, durationMs: elapsed(), error: message };
      }
    },
    close() {},
  };
}

function secretKey(secret: string): Buffer {
  return Buffer.from(secret.startsWith("whsec_") ? secret.slice(6) : secret, "base64");
}

async function readExcerpt(response: Response): Promise<string> {
  if (!response.body) return "";
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  while (size < EXCERPT_BYTES) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    size += value.length;
  }
  await reader.cancel().catch(() => undefined);
  return Buffer.concat(chunks).subarray(0, EXCERPT_BYTES).toString("utf8");
}

function retryAfter(value: string | null): number | null {
  if (value === null) return null;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? null : Math.max(0, date - Date.now());
}
