import type { Broker } from "../broker/broker.ts";
import type { MessageInput } from "../broker/message-input.ts";
import { BrokerError } from "../domain/errors.ts";
import type { MessageRecord } from "../domain/message.ts";
import type { Logger } from "../observability/logger.ts";
import { PeriodicService, type Service } from "../services/service.ts";
import { emptyMap } from "./message-attributes.ts";
import { isFifo, NO_REDRIVE_MAX_ATTEMPTS, sqsSettingsOf } from "./queue-attributes.ts";
import { queueOfArn } from "./queue-url.ts";

/** The header naming the queue a message was dead-lettered from, so a redrive can send it back. */
export const DEAD_LETTER_SOURCE_HEADER = "sqs-dead-letter-source";
const INTERVAL_MS = 1000;
const BATCH = 100;

/**
 * SQS dead-letter queues: a queue whose RedrivePolicy names an existing queue has its dead letters
 * moved there, so SQS consumers receive them from the queue they named. Each is published to the
 * target (deduplicated by its id, so a crash between the two steps cannot copy it twice within
 * the window) and then removed from the source's dead-letter state. Runs once per fleet.
 */
export function deadLetterMover(broker: Broker, holdsLeadership: () => Promise<boolean>, logger: Logger): Service {
  return new PeriodicService(
    "sqs-dead-letter-mover",
    INTERVAL_MS,
    async () => {
      if (!(await holdsLeadership())) return;
      const moved = await moveDeadLetters(broker);
      if (moved > 0) logger.debug("moved dead letters to their SQS dead-letter queues", { count: moved });
    },
    logger,
  );
}

export async function moveDeadLetters(broker: Broker): Promise<number> {
  // Settings only: this runs every second, and stats would cost a count per queue.
  const queues = await broker.queueRecords();
  const names = new Set(queues.map((queue) => queue.name));
  let moved = 0;
  for (const queue of queues) {
    const arn = sqsSettingsOf(queue.settings).deadLetterTargetArn;
    if (arn === null || queue.settings.maxAttempts >= NO_REDRIVE_MAX_ATTEMPTS) continue;
    const target = targetOf(arn);
    if (target === null || target === queue.name || !names.has(target)) continue;
    moved += await moveQueue(broker, queue.name, target);
  }
  return moved;
}

async function moveQueue(broker: Broker, source: string, target: string): Promise<number> {
  let moved = 0;
  for (;;) {
    const page = await broker.listDead(source, null, BATCH).catch(ignoreGone);
    if (!page || page.messages.length === 0) return moved;
    const inputs = page.messages.map((message) => toInput(message, source, isFifo(target)));
    const published = await broker.publish(target, inputs, null).catch(ignoreGone);
    if (!published) return moved;
    moved += await broker.removeDead(
      source,
      page.messages.map((message) => message.id),
    );
    if (page.messages.length < BATCH) return moved;
  }
}

function toInput(message: MessageRecord, source: string, fifoTarget: boolean): MessageInput {
  const headers = emptyMap<string>();
  if (message.headers !== null) Object.assign(headers, JSON.parse(message.headers) as Record<string, string>);
  Object.defineProperty(headers, DEAD_LETTER_SOURCE_HEADER, { value: source, enumerable: true, writable: true });
  return {
    ...(message.bodyIsBinary ? { bodyBase64: message.body } : { body: JSON.parse(message.body) as unknown }),
    headers,
    dedupId: `sqs-dead-letter:${message.id}`,
    // A FIFO dead-letter queue needs a group; the source's group keeps their order.
    ...(fifoTarget ? { groupId: message.groupId ?? source } : {}),
  };
}

function targetOf(arn: string): string | null {
  try {
    return queueOfArn(arn, "deadLetterTargetArn");
  } catch {
    return null;
  }
}

/** A queue deleted between the listing and the move is simply skipped. */
function ignoreGone(error: unknown): null {
  if (error instanceof BrokerError && error.code === "queue_not_found") return null;
  throw error;
}
