import { createHash } from "node:crypto";
import type { MessageInput } from "../../broker/message-input.ts";
import type { QueueRecord } from "../../domain/records.ts";
import { invalidParameterValue, missingParameter } from "../errors.ts";
import { md5Hex, md5OfAttributes } from "../md5.ts";
import { assertSqsText, attributesToHeaders, checkAttributes } from "../message-attributes.ts";
import { optionalInt, optionalString, type Params } from "../params.ts";
import { isFifo, sqsSettingsOf } from "../queue-attributes.ts";

export interface PreparedSend {
  input: MessageInput;
  /** The SendMessage result fields known before publishing. */
  digests: Record<string, string>;
  bytes: number;
}

/**
 * One SendMessage (or batch entry) checked and turned into a broker message: the body as a JSON
 * string, attributes as headers, FIFO group and deduplication id, the queue's default delay.
 */
export function prepareSend(queue: QueueRecord, params: Params): PreparedSend {
  const body = optionalString(params, "MessageBody");
  if (body === undefined) throw missingParameter("The request must contain the parameter MessageBody.");
  if (body === "") throw invalidParameterValue("MessageBody must not be empty");
  assertSqsText("MessageBody", body);
  const sqs = sqsSettingsOf(queue.settings);
  const fifo = isFifo(queue.name);
  const { attributes, wire, bytes: attributeBytes } = checkAttributes(params.MessageAttributes);
  const system = checkAttributes(params.MessageSystemAttributes, "MessageSystemAttributes");
  for (const name of Object.keys(system.wire)) {
    if (name !== "AWSTraceHeader" || system.wire[name]!.DataType !== "String") {
      throw invalidParameterValue(`MessageSystemAttributes: only AWSTraceHeader (String) is supported, not ${name}`);
    }
  }
  const bytes = Buffer.byteLength(body) + attributeBytes;
  if (bytes > sqs.maximumMessageSize) {
    throw invalidParameterValue(
      `One or more parameters are invalid. Reason: Message must be shorter than ${sqs.maximumMessageSize} bytes.`,
    );
  }
  const delay = optionalInt(params, "DelaySeconds", 0, 900);
  if (fifo && delay !== undefined && delay !== 0) {
    throw invalidParameterValue(
      "DelaySeconds per message is not supported on FIFO queues; set the queue's DelaySeconds",
    );
  }
  const groupId = optionalString(params, "MessageGroupId");
  let dedupId = optionalString(params, "MessageDeduplicationId");
  if (fifo) {
    if (groupId === undefined) throw missingParameter("The request must contain the parameter MessageGroupId.");
    checkFifoId("MessageGroupId", groupId);
    if (dedupId !== undefined) checkFifoId("MessageDeduplicationId", dedupId);
    else if (sqs.contentBasedDeduplication) dedupId = createHash("sha256").update(body).digest("hex");
    else {
      throw invalidParameterValue(
        "The queue should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly",
      );
    }
  } else if (dedupId !== undefined) {
    throw invalidParameterValue("MessageDeduplicationId is only valid for FIFO queues (names ending in .fifo)");
  }
  const trace = system.wire.AWSTraceHeader?.StringValue ?? null;
  const headers = attributesToHeaders(wire, trace);
  const digests: Record<string, string> = { MD5OfMessageBody: md5Hex(body) };
  if (Object.keys(attributes).length > 0) digests.MD5OfMessageAttributes = md5OfAttributes(attributes);
  if (trace !== null) digests.MD5OfMessageSystemAttributes = md5OfAttributes(system.attributes);
  const input: MessageInput = {
    body,
    headers,
    delaySeconds: delay ?? sqs.delaySeconds,
    // Standard queues keep no order, so a MessageGroupId there is accepted and not used.
    ...(fifo ? { groupId } : {}),
    ...(dedupId !== undefined ? { dedupId } : {}),
  };
  return { input, digests, bytes };
}

function checkFifoId(name: string, value: string): void {
  if (!/^[\x21-\x7e]{1,128}$/.test(value)) {
    throw invalidParameterValue(`${name} must be 1-128 printable ASCII characters`);
  }
}

/** SQS's FIFO sequence number: here the id's time-ordered leading 64 bits, as decimal. */
export function sequenceNumberOf(messageId: string): string {
  const hex = messageId.replace(/-/g, "").slice(0, 16);
  return /^[0-9a-f]{16}$/i.test(hex) ? BigInt(`0x${hex}`).toString().padStart(20, "0") : "0";
}
