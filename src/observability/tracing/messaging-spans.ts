import {
  context,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Context,
  type Link,
  type Span,
  type Tracer,
} from "@opentelemetry/api";
import type { NewMessage } from "../../domain/message.ts";
import {
  MESSAGING_BATCH_MESSAGE_COUNT,
  MESSAGING_DESTINATION_NAME,
  MESSAGING_MESSAGE_ID,
  MESSAGING_OPERATION_NAME,
  MESSAGING_OPERATION_TYPE,
  MESSAGING_SYSTEM,
  SYSTEM,
  type OperationType,
} from "./attributes.ts";
import { contextOfMessage, parseStoredHeaders, traceHeaders } from "./trace-context.ts";

/**
 * The broker's spans, after the OpenTelemetry messaging conventions: `publish` per request (with
 * a `create` span per message of a batch, whose context the message carries), `receive` linked
 * to the messages it returns, `settle` for ack and nack. The context of each message is stored
 * in its headers, so the trace goes on where the message is consumed.
 */
export class MessagingSpans {
  constructor(private readonly tracer: Tracer) {}

  /**
   * Runs `write` inside a `publish` span, after giving each message the context of its span. A
   * message that brought its own context gets a `create` span in that trace, linked to `publish`.
   */
  async publish<R>(
    destination: string,
    messages: NewMessage[],
    write: () => Promise<R>,
    ids: (result: R) => readonly string[],
  ): Promise<R> {
    const batch = messages.length > 1;
    const span = this.tracer.startSpan(`publish ${destination}`, {
      kind: SpanKind.PRODUCER,
      attributes: {
        ...attributes(destination, "send", "publish"),
        ...(batch ? { [MESSAGING_BATCH_MESSAGE_COUNT]: messages.length } : {}),
      },
    });
    const publishContext = trace.setSpan(context.active(), span);
    const creates: Array<Span | null> = messages.map((message) => {
      const headers = parseStoredHeaders(message.headers) ?? {};
      const own = contextOfMessage(headers);
      if (!batch && own === null) {
        message.headers = JSON.stringify({ ...headers, ...traceHeaders(publishContext) });
        return null;
      }
      const links: Link[] = own ? [{ context: span.spanContext() }] : [];
      const create = this.tracer.startSpan(
        `create ${destination}`,
        { kind: SpanKind.PRODUCER, attributes: attributes(destination, "create", "create"), links },
        own ?? publishContext,
      );
      message.headers = JSON.stringify({ ...headers, ...traceHeaders(trace.setSpan(publishContext, create)) });
      return create;
    });
    try {
      const result = await context.with(publishContext, write);
      const written = ids(result);
      if (written.length === messages.length) {
        creates.forEach((create, index) => create?.setAttribute(MESSAGING_MESSAGE_ID, written[index]!));
        if (!batch) span.setAttribute(MESSAGING_MESSAGE_ID, written[0]!);
      }
      return result;
    } catch (error) {
      failed(span, error);
      throw error;
    } finally {
      for (const create of creates) create?.end();
      span.end();
    }
  }

  /** Runs `lease` inside a `receive` span linked to the context of each message it returns. */
  async receive<M extends { id: string; headers: string | null }>(
    queue: string,
    lease: () => Promise<M[]>,
  ): Promise<M[]> {
    const span = this.tracer.startSpan(`receive ${queue}`, {
      kind: SpanKind.CONSUMER,
      attributes: attributes(queue, "receive", "receive"),
    });
    try {
      const messages = await context.with(trace.setSpan(context.active(), span), lease);
      span.setAttribute(MESSAGING_BATCH_MESSAGE_COUNT, messages.length);
      if (messages.length === 1) span.setAttribute(MESSAGING_MESSAGE_ID, messages[0]!.id);
      for (const message of messages) {
        const carried = contextOfMessage(parseStoredHeaders(message.headers));
        const linked = carried && trace.getSpanContext(carried);
        if (linked) span.addLink({ context: linked, attributes: { [MESSAGING_MESSAGE_ID]: message.id } });
      }
      return messages;
    } catch (error) {
      failed(span, error);
      throw error;
    } finally {
      span.end();
    }
  }

  /** Runs `settle` inside a `settle` span named after the operation (ack, nack). */
  async settle<R>(queue: string, operation: string, count: number, run: () => Promise<R>): Promise<R> {
    return this.within(
      `${operation} ${queue}`,
      SpanKind.CLIENT,
      { ...attributes(queue, "settle", operation), [MESSAGING_BATCH_MESSAGE_COUNT]: count },
      run,
    );
  }

  private async within<R>(name: string, kind: SpanKind, attrs: Attributes, run: () => Promise<R>): Promise<R> {
    const span = this.tracer.startSpan(name, { kind, attributes: attrs });
    try {
      return await context.with(trace.setSpan(context.active(), span), run);
    } catch (error) {
      failed(span, error);
      throw error;
    } finally {
      span.end();
    }
  }
}

export function attributes(destination: string, type: OperationType, name: string): Attributes {
  return {
    [MESSAGING_SYSTEM]: SYSTEM,
    [MESSAGING_DESTINATION_NAME]: destination,
    [MESSAGING_OPERATION_TYPE]: type,
    [MESSAGING_OPERATION_NAME]: name,
  };
}

export function failed(span: Span, error: unknown): void {
  span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
  span.setAttribute("error.type", error instanceof Error ? error.name : "Error");
}

/** The context a message was published in, for the spans that handle it later (webhook attempts). */
export function messageContext(headers: string | null): Context | null {
  return contextOfMessage(parseStoredHeaders(headers));
}
