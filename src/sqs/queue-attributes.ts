import type { QueueView } from "../broker/broker.ts";
import type { QueueSettings, QueueSettingsPatch, SqsQueueSettings } from "../domain/queue-settings.ts";
import { invalidAttributeName, invalidAttributeValue } from "./errors.ts";
import { queueArn } from "./queue-url.ts";

export const MAX_MESSAGE_BYTES = 262_144;
/** SQS has no receive limit without a RedrivePolicy; Millrace's maxAttempts tops out here. */
export const NO_REDRIVE_MAX_ATTEMPTS = 1000;

export const SQS_DEFAULTS: SqsQueueSettings = {
  delaySeconds: 0,
  receiveWaitSeconds: 0,
  maximumMessageSize: MAX_MESSAGE_BYTES,
  contentBasedDeduplication: false,
  deadLetterTargetArn: null,
  tags: {},
};

export function isFifo(queue: string): boolean {
  return queue.endsWith(".fifo");
}

export function sqsSettingsOf(settings: QueueSettings): SqsQueueSettings {
  return settings.sqs ?? SQS_DEFAULTS;
}

const SETTABLE = [
  "DelaySeconds",
  "MaximumMessageSize",
  "MessageRetentionPeriod",
  "ReceiveMessageWaitTimeSeconds",
  "VisibilityTimeout",
  "RedrivePolicy",
  "FifoQueue",
  "ContentBasedDeduplication",
  "DeduplicationScope",
  "FifoThroughputLimit",
  "SqsManagedSseEnabled",
];

/**
 * The settings patch that SQS attributes ask for, on top of `current`. Throws InvalidAttributeName
 * or InvalidAttributeValue naming the attribute and the accepted range.
 */
export function patchFromAttributes(
  queue: string,
  attributes: Record<string, string>,
  current: QueueSettings | null,
  creating: boolean,
): QueueSettingsPatch {
  const sqs: SqsQueueSettings = { ...(current ? sqsSettingsOf(current) : SQS_DEFAULTS) };
  const patch: QueueSettingsPatch = {};
  const fifo = isFifo(queue);
  for (const [name, value] of Object.entries(attributes)) {
    if (!SETTABLE.includes(name)) {
      throw invalidAttributeName(
        `Unknown or read-only attribute ${name}; settable attributes are ${SETTABLE.join(", ")}`,
      );
    }
    switch (name) {
      case "DelaySeconds":
        sqs.delaySeconds = int(name, value, 0, 900);
        break;
      case "MaximumMessageSize":
        sqs.maximumMessageSize = int(name, value, 1024, MAX_MESSAGE_BYTES);
        break;
      case "MessageRetentionPeriod":
        patch.retentionSeconds = int(name, value, 60, 1_209_600);
        break;
      case "ReceiveMessageWaitTimeSeconds":
        sqs.receiveWaitSeconds = int(name, value, 0, 20);
        break;
      case "VisibilityTimeout":
        // SQS allows 0 here; Millrace queues lease for at least a second (ReceiveMessage may still ask for 0).
        patch.visibilityTimeoutSeconds = int(name, value, 1, 43_200);
        break;
      case "RedrivePolicy":
        Object.assign(patch, redrive(value, sqs));
        break;
      case "FifoQueue":
        if (!creating) throw invalidAttributeName("FifoQueue can only be set when the queue is created");
        if (value !== String(fifo)) {
          throw invalidAttributeValue(
            fifo
              ? "FifoQueue must be true for a queue whose name ends in .fifo"
              : "a FIFO queue's name must end in .fifo; rename it or drop FifoQueue",
          );
        }
        break;
      case "ContentBasedDeduplication":
        if (!fifo)
          throw invalidAttributeName("ContentBasedDeduplication applies to FIFO queues (names ending in .fifo) only");
        sqs.contentBasedDeduplication = bool(name, value);
        break;
      case "DeduplicationScope":
        fixedFifo(name, value, "queue", fifo);
        break;
      case "FifoThroughputLimit":
        fixedFifo(name, value, "perQueue", fifo);
        break;
      case "SqsManagedSseEnabled":
        if (bool(name, value))
          throw invalidAttributeValue(
            "SqsManagedSseEnabled: Millrace does not encrypt queues itself; use disk encryption",
          );
        break;
    }
  }
  if (creating) {
    // SQS semantics for a new queue: an expired visibility timeout makes the message visible at
    // once, no redrive without a RedrivePolicy, and FIFO's 5-minute deduplication window.
    patch.backoff = { baseMs: 0, maxMs: 0 };
    patch.maxAttempts ??= NO_REDRIVE_MAX_ATTEMPTS;
    patch.dedupWindowSeconds = 300;
  }
  patch.sqs = sqs;
  return patch;
}

function redrive(value: string, sqs: SqsQueueSettings): QueueSettingsPatch {
  if (value === "") {
    sqs.deadLetterTargetArn = null;
    return { maxAttempts: NO_REDRIVE_MAX_ATTEMPTS };
  }
  let policy: unknown;
  try {
    policy = JSON.parse(value);
  } catch {
    throw invalidAttributeValue(
      'RedrivePolicy must be JSON like {"deadLetterTargetArn":"arn:aws:sqs:...","maxReceiveCount":5}',
    );
  }
  const { deadLetterTargetArn, maxReceiveCount } = (policy ?? {}) as Record<string, unknown>;
  if (typeof deadLetterTargetArn !== "string" || !deadLetterTargetArn.startsWith("arn:aws:sqs:")) {
    throw invalidAttributeValue(
      "RedrivePolicy: deadLetterTargetArn must be a queue ARN (from GetQueueAttributes QueueArn)",
    );
  }
  const count = int("RedrivePolicy.maxReceiveCount", String(maxReceiveCount), 1, NO_REDRIVE_MAX_ATTEMPTS);
  sqs.deadLetterTargetArn = deadLetterTargetArn;
  return { maxAttempts: count };
}

function fixedFifo(name: string, value: string, only: string, fifo: boolean): void {
  if (!fifo) throw invalidAttributeName(`${name} applies to FIFO queues only`);
  if (value !== only) throw invalidAttributeValue(`${name}: Millrace supports ${only} only`);
}

function int(name: string, value: string, min: number, max: number): number {
  const number = /^\d+$/.test(value) ? Number(value) : NaN;
  if (!(number >= min && number <= max)) {
    throw invalidAttributeValue(
      `Invalid value for the parameter ${name}: must be a whole number from ${min} to ${max}`,
    );
  }
  return number;
}

function bool(name: string, value: string): boolean {
  if (value !== "true" && value !== "false") throw invalidAttributeValue(`${name} must be true or false`);
  return value === "true";
}

export const READABLE = [
  "QueueArn",
  "ApproximateNumberOfMessages",
  "ApproximateNumberOfMessagesNotVisible",
  "ApproximateNumberOfMessagesDelayed",
  "CreatedTimestamp",
  "LastModifiedTimestamp",
  "VisibilityTimeout",
  "MaximumMessageSize",
  "MessageRetentionPeriod",
  "DelaySeconds",
  "ReceiveMessageWaitTimeSeconds",
  "RedrivePolicy",
  "FifoQueue",
  "ContentBasedDeduplication",
  "DeduplicationScope",
  "FifoThroughputLimit",
  "SqsManagedSseEnabled",
];

/** The queue as SQS attributes; `names` is what GetQueueAttributes asked for ("All" for everything). */
export function attributesOf(queue: QueueView, region: string, names: string[]): Record<string, string> {
  const wanted = names.includes("All") ? READABLE : names;
  for (const name of wanted) {
    if (!READABLE.includes(name)) throw invalidAttributeName(`Unknown Attribute ${name}.`);
  }
  const sqs = sqsSettingsOf(queue.settings);
  const fifo = isFifo(queue.name);
  const all: Record<string, string | null> = {
    QueueArn: queueArn(region, queue.name),
    ApproximateNumberOfMessages: String(queue.stats.ready + queue.stats.grouped),
    ApproximateNumberOfMessagesNotVisible: String(queue.stats.leased),
    ApproximateNumberOfMessagesDelayed: String(queue.stats.delayed),
    CreatedTimestamp: String(Math.floor(queue.createdAt / 1000)),
    LastModifiedTimestamp: String(Math.floor(queue.updatedAt / 1000)),
    VisibilityTimeout: String(queue.settings.visibilityTimeoutSeconds),
    MaximumMessageSize: String(sqs.maximumMessageSize),
    MessageRetentionPeriod: String(queue.settings.retentionSeconds),
    DelaySeconds: String(sqs.delaySeconds),
    ReceiveMessageWaitTimeSeconds: String(sqs.receiveWaitSeconds),
    RedrivePolicy:
      queue.settings.maxAttempts >= NO_REDRIVE_MAX_ATTEMPTS
        ? null
        : JSON.stringify({
            deadLetterTargetArn: sqs.deadLetterTargetArn ?? queueArn(region, `${queue.name}.dlq`),
            maxReceiveCount: queue.settings.maxAttempts,
          }),
    FifoQueue: fifo ? "true" : null,
    ContentBasedDeduplication: fifo ? String(sqs.contentBasedDeduplication) : null,
    DeduplicationScope: fifo ? "queue" : null,
    FifoThroughputLimit: fifo ? "perQueue" : null,
    SqsManagedSseEnabled: "false",
  };
  const out: Record<string, string> = {};
  for (const name of wanted) {
    const value = all[name];
    if (value !== null && value !== undefined) out[name] = value;
  }
  return out;
}

/** Whether CreateQueue's attributes agree with an existing queue (SQS answers QueueNameExists when not). */
export function sameAttributes(queue: QueueView, region: string, attributes: Record<string, string>): boolean {
  const current = attributesOf(queue, region, ["All"]);
  return Object.entries(attributes).every(([name, value]) => {
    if (name === "FifoQueue") return value === String(isFifo(queue.name));
    if (name === "RedrivePolicy" && value !== "" && current.RedrivePolicy !== undefined) {
      return JSON.stringify(JSON.parse(value)) === current.RedrivePolicy;
    }
    return current[name] === value || (current[name] === undefined && value === "");
  });
}
