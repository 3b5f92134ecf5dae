import type { SendOutcome } from "./sender.ts";

/** The `outcome` label of millrace_webhook_requests_total, and of each recorded attempt. */
export type OutcomeLabel =
  | "success"
  | "gone"
  | "rate_limited"
  | "server_error"
  | "client_error"
  | "redirect"
  | "timeout"
  | "connection_error"
  | "refused_destination";

export function outcomeLabel(outcome: SendOutcome): OutcomeLabel {
  if (outcome.kind !== "response") return outcome.kind;
  const { status } = outcome;
  if (status >= 200 && status < 300) return "success";
  if (status === 410) return "gone";
  if (status === 429) return "rate_limited";
  if (status >= 500) return "server_error";
  if (status >= 300 && status < 400) return "redirect";
  return "client_error";
}
