import type { LeaseOutcome, LeasedMessage } from "../../domain/message.ts";
import type { Action, ActionContext } from "../context.ts";
import { authorizedQueue } from "../context.ts";
import { batchRequestTooLong, invalidParameterValue, receiptHandleIsInvalid, SqsError } from "../errors.ts";
import { md5Hex, md5OfAttributes } from "../md5.ts";
import { bodyForSqs, decodeWire, headersToAttributes, selectAttributes } from "../message-attributes.ts";
import { optionalInt, requiredString, stringList, type Params } from "../params.ts";
import { isFifo, MAX_MESSAGE_BYTES, sqsSettingsOf } from "../queue-attributes.ts";
import { batchEntries, failureOf, type BatchFailure } from "./batch.ts";
import { prepareSend, sequenceNumberOf, type PreparedSend } from "./send.ts";

const sendMessage: Action = async (context) => {
  const queue = authorizedQueue(context, ["publish"]);
  const record = await context.broker.getQueueRecord(queue);
  const prepared = prepareSend(record, context.params);
  const [result] = await context.broker.publish(queue, [prepared.input], null);
  return sendResult(prepared, result!.id, isFifo(queue));
};

function sendResult(prepared: PreparedSend, id: string, fifo: boolean): Record<string, unknown> {
  return { ...prepared.digests, MessageId: id, ...(fifo ? { SequenceNumber: sequenceNumberOf(id) } : {}) };
}

const sendMessageBatch: Action = async (context) => {
  const queue = authorizedQueue(context, ["publish"]);
  const entries = batchEntries(context.params);
  const record = await context.broker.getQueueRecord(queue);
  const failed: BatchFailure[] = [];
  const ready: Array<{ id: string; prepared: PreparedSend }> = [];
  let total = 0;
  for (const entry of entries) {
    try {
      const prepared = prepareSend(record, entry);
      total += prepared.bytes;
      ready.push({ id: entry.Id as string, prepared });
    } catch (error) {
      failed.push(failureOf(entry.Id as string, error));
    }
  }
  if (total > MAX_MESSAGE_BYTES) {
    throw batchRequestTooLong(
      `Batch requests cannot be longer than ${MAX_MESSAGE_BYTES} bytes. You have sent ${total} bytes.`,
    );
  }
  const successful: Array<Record<string, unknown>> = [];
  if (ready.length > 0) {
    try {
      // One publish: the entries that passed are written together, in order.
      const results = await context.broker.publish(
        queue,
        ready.map((r) => r.prepared.input),
        null,
      );
      ready.forEach((r, index) =>
        successful.push({ Id: r.id, ...sendResult(r.prepared, results[index]!.id, isFifo(queue)) }),
      );
    } catch (error) {
      for (const r of ready) failed.push(failureOf(r.id, error));
    }
  }
  return { Successful: successful, Failed: failed };
};

const SYSTEM_ATTRIBUTES = [
  "ApproximateReceiveCount",
  "ApproximateFirstReceiveTimestamp",
  "SentTimestamp",
  "MessageGroupId",
  "MessageDeduplicationId",
  "SequenceNumber",
  "AWSTraceHeader",
  "SenderId",
];

const receiveMessage: Action = async (context) => {
  const queue = authorizedQueue(context, ["consume"]);
  const max = optionalInt(context.params, "MaxNumberOfMessages", 1, 10) ?? 1;
  const visibility = optionalInt(context.params, "VisibilityTimeout", 0, 43_200);
  // The queue's default wait costs a lookup; a request that names its wait skips it.
  const wait =
    optionalInt(context.params, "WaitTimeSeconds", 0, 20) ??
    sqsSettingsOf((await context.broker.getQueueRecord(queue)).settings).receiveWaitSeconds;
  const systemNames = [
    ...stringList(context.params, "AttributeNames"),
    ...stringList(context.params, "MessageSystemAttributeNames"),
  ];
  for (const name of systemNames) {
    if (name !== "All" && !SYSTEM_ATTRIBUTES.includes(name)) {
      throw invalidParameterValue(
        `Unknown Attribute ${name}; message system attributes are All, ${SYSTEM_ATTRIBUTES.join(", ")}`,
      );
    }
  }
  const attributeNames = stringList(context.params, "MessageAttributeNames");
  const leased = await context.broker.receive(
    queue,
    { max, waitSeconds: wait, ...(visibility !== undefined ? { visibilityTimeoutSeconds: visibility } : {}) },
    context.signal,
  );
  return { Messages: leased.map((message) => toSqsMessage(message, systemNames, attributeNames, isFifo(queue))) };
};

function toSqsMessage(
  message: LeasedMessage,
  systemNames: string[],
  attributeNames: string[],
  fifo: boolean,
): Record<string, unknown> {
  const body = bodyForSqs(message);
  const { wire, traceHeader } = headersToAttributes(message.headers);
  const out: Record<string, unknown> = {
    MessageId: message.id,
    ReceiptHandle: message.receipt,
    MD5OfBody: md5Hex(body),
    Body: body,
  };
  const all = systemNames.includes("All");
  const system: Record<string, string> = {};
  const want = (name: string) => all || systemNames.includes(name);
  if (want("ApproximateReceiveCount")) system.ApproximateReceiveCount = String(message.attempts);
  if (want("SentTimestamp")) system.SentTimestamp = String(message.enqueuedAt);
  // Millrace does not record the first receive; the send time is the closest lower bound it has.
  if (want("ApproximateFirstReceiveTimestamp")) system.ApproximateFirstReceiveTimestamp = String(message.enqueuedAt);
  if (fifo && message.groupId !== null && want("MessageGroupId")) system.MessageGroupId = message.groupId;
  if (fifo && want("SequenceNumber")) system.SequenceNumber = sequenceNumberOf(message.id);
  if (traceHeader !== null && want("AWSTraceHeader")) system.AWSTraceHeader = traceHeader;
  if (Object.keys(system).length > 0) out.Attributes = system;
  const selected = selectAttributes(wire, attributeNames);
  if (Object.keys(selected).length > 0) {
    out.MessageAttributes = selected;
    out.MD5OfMessageAttributes = md5OfAttributes(decodeWire(selected));
  }
  return out;
}

/** An outcome other than ok as the SQS error for that receipt handle. */
function outcomeError(outcome: LeaseOutcome, changingVisibility: boolean): SqsError {
  if (outcome === "invalid_receipt")
    return receiptHandleIsInvalid("The input receipt handle is not a Millrace receipt handle.");
  if (changingVisibility) {
    return new SqsError(
      "MessageNotInflight",
      "AWS.SimpleQueueService.MessageNotInflight",
      400,
      "The message is not in flight: its lease expired, it was received again, or it was deleted",
    );
  }
  return receiptHandleIsInvalid(
    "The receipt handle no longer holds the message: its visibility timeout expired and it was received again, or it was deleted already",
  );
}

/** Ack answers lease_lost for a queue that does not exist; the client is owed QueueDoesNotExist then. */
async function outcomeErrorIn(
  context: ActionContext,
  queue: string,
  outcome: LeaseOutcome,
  changingVisibility: boolean,
): Promise<SqsError> {
  await context.broker.getQueueRecord(queue);
  return outcomeError(outcome, changingVisibility);
}

async function settle(
  context: ActionContext,
  queue: string,
  handles: string[],
  mode: { visibility?: number },
): Promise<LeaseOutcome[]> {
  if (mode.visibility === undefined) return context.broker.ack(queue, handles);
  // Visibility 0 makes the message visible at once, as a give-back; otherwise the lease is extended from now.
  if (mode.visibility === 0) return context.broker.nack(queue, handles, 0, null);
  return context.broker.extend(queue, handles, mode.visibility);
}

const deleteMessage: Action = async (context) => {
  const queue = authorizedQueue(context, ["consume"]);
  const handle = requiredString(context.params, "ReceiptHandle");
  const [outcome] = await settle(context, queue, [handle], {});
  if (outcome !== "ok") throw await outcomeErrorIn(context, queue, outcome!, false);
  return {};
};

const changeMessageVisibility: Action = async (context) => {
  const queue = authorizedQueue(context, ["consume"]);
  const handle = requiredString(context.params, "ReceiptHandle");
  const visibility = optionalInt(context.params, "VisibilityTimeout", 0, 43_200);
  if (visibility === undefined) throw invalidParameterValue("VisibilityTimeout is required: 0 to 43200 seconds");
  const [outcome] = await settle(context, queue, [handle], { visibility });
  if (outcome !== "ok") throw await outcomeErrorIn(context, queue, outcome!, true);
  return {};
};

function batchSettle(changingVisibility: boolean): Action {
  return async (context) => {
    const queue = authorizedQueue(context, ["consume"]);
    const entries = batchEntries(context.params);
    const successful: Array<{ Id: string }> = [];
    const failed: BatchFailure[] = [];
    const plain: Params[] = [];
    for (const entry of entries) {
      const id = entry.Id as string;
      try {
        const handle = requiredString(entry, "ReceiptHandle");
        if (!changingVisibility) {
          plain.push(entry);
          continue;
        }
        const visibility = optionalInt(entry, "VisibilityTimeout", 0, 43_200) ?? 0;
        const [outcome] = await settle(context, queue, [handle], { visibility });
        if (outcome === "ok") successful.push({ Id: id });
        else failed.push(failureOf(id, outcomeError(outcome!, true)));
      } catch (error) {
        failed.push(failureOf(id, error));
      }
    }
    if (plain.length > 0) {
      const outcomes = await settle(
        context,
        queue,
        plain.map((entry) => entry.ReceiptHandle as string),
        {},
      );
      plain.forEach((entry, index) => {
        const outcome = outcomes[index]!;
        if (outcome === "ok") successful.push({ Id: entry.Id as string });
        else failed.push(failureOf(entry.Id as string, outcomeError(outcome, false)));
      });
    }
    // Settling answers lease_lost on a queue that does not exist; say which it is.
    if (failed.length > 0) await context.broker.getQueueRecord(queue);
    return { Successful: successful, Failed: failed };
  };
}

export const MESSAGE_ACTIONS: Record<string, Action> = {
  SendMessage: sendMessage,
  SendMessageBatch: sendMessageBatch,
  ReceiveMessage: receiveMessage,
  DeleteMessage: deleteMessage,
  DeleteMessageBatch: batchSettle(false),
  ChangeMessageVisibility: changeMessageVisibility,
  ChangeMessageVisibilityBatch: batchSettle(true),
};
