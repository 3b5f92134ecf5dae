import { context, SpanKind, SpanStatusCode, trace, type Span, type Tracer } from "@opentelemetry/api";
import {
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_URL_FULL,
} from "@opentelemetry/semantic-conventions";
import type { LeasedMessage } from "../domain/message.ts";
import { MESSAGING_MESSAGE_ID } from "../observability/tracing/attributes.ts";
import { attributes, messageContext } from "../observability/tracing/messaging-spans.ts";
import { parseStoredHeaders, TRACEPARENT, TRACESTATE, traceHeaders } from "../observability/tracing/trace-context.ts";
import type { SendOutcome } from "./sender.ts";

export interface AttemptTrace {
  /** `traceparent`/`tracestate` for the webhook request. */
  headers: Record<string, string>;
  /** Runs `work` with the attempt's span active, so the settle and store spans are its children. */
  run<T>(work: () => Promise<T>): Promise<T>;
  record(outcome: SendOutcome): void;
  end(): void;
}

/**
 * One span per webhook attempt, in the trace of the message (its stored context is the parent),
 * with the response status; the receiver gets that span's context as `traceparent`. Without a
 * tracer the stored context is passed on unchanged, so the receiver still joins the producer's trace.
 */
export function attemptTrace(tracer: Tracer | null, queue: string, url: string, message: LeasedMessage): AttemptTrace {
  if (tracer === null) return passThrough(message);
  const parent = messageContext(message.headers) ?? context.active();
  const span: Span = tracer.startSpan(
    `deliver ${queue}`,
    {
      kind: SpanKind.CLIENT,
      attributes: {
        ...attributes(queue, "process", "deliver"),
        [MESSAGING_MESSAGE_ID]: message.id,
        "messaging.message.delivery_attempt": message.attempts,
        [ATTR_HTTP_REQUEST_METHOD]: "POST",
        [ATTR_URL_FULL]: url,
      },
    },
    parent,
  );
  const active = trace.setSpan(parent, span);
  return {
    headers: traceHeaders(active),
    run: (work) => context.with(active, work),
    record: (outcome) => {
      if (outcome.kind === "response") span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, outcome.status);
      else span.setAttribute("error.type", outcome.kind);
      if (outcome.kind !== "response" || outcome.status >= 300) span.setStatus({ code: SpanStatusCode.ERROR });
    },
    end: () => span.end(),
  };
}

function passThrough(message: LeasedMessage): AttemptTrace {
  const stored = parseStoredHeaders(message.headers);
  const headers: Record<string, string> = {};
  if (stored?.[TRACEPARENT]) headers[TRACEPARENT] = stored[TRACEPARENT];
  if (stored?.[TRACEPARENT] && stored[TRACESTATE]) headers[TRACESTATE] = stored[TRACESTATE];
  return { headers, run: (work) => work(), record: () => undefined, end: () => undefined };
}
