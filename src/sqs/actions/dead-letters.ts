import { randomUUID } from "node:crypto";
import type { Action, ActionContext } from "../context.ts";
import { authorizedQueue, requireAccess } from "../context.ts";
import { optionalInt, optionalString, requiredString } from "../params.ts";
import { NO_REDRIVE_MAX_ATTEMPTS, sqsSettingsOf } from "../queue-attributes.ts";
import { moveBack } from "./move-back.ts";
import { queueOfArn, queueUrl } from "../queue-url.ts";

const ADMIN = ["admin"] as const;

/** Queues whose RedrivePolicy names `target` (their dead letters move there: dead-letter-mover.ts). */
async function sourcesOf(context: ActionContext, target: string): Promise<string[]> {
  const principal = context.principal;
  return (await context.broker.queueRecords())
    .filter((queue) => principal === null || principal.queues.allows(queue.name))
    .filter((queue) => {
      const arn = sqsSettingsOf(queue.settings).deadLetterTargetArn;
      return arn !== null && queue.settings.maxAttempts < NO_REDRIVE_MAX_ATTEMPTS && sameQueue(arn, target);
    })
    .map((queue) => queue.name);
}

function sameQueue(arn: string, queue: string): boolean {
  try {
    return queueOfArn(arn, "deadLetterTargetArn") === queue;
  } catch {
    return false;
  }
}

const listDeadLetterSourceQueues: Action = async (context) => {
  const target = authorizedQueue(context, ADMIN);
  await context.broker.getQueueRecord(target);
  const max = optionalInt(context.params, "MaxResults", 1, 1000);
  const after = optionalString(context.params, "NextToken") ?? "";
  const sources = (await sourcesOf(context, target)).filter((name) => name > after);
  const page = max === undefined ? sources : sources.slice(0, max);
  const result: Record<string, unknown> = { queueUrls: page.map((name) => queueUrl(context.baseUrl, name)) };
  if (max !== undefined && page.length < sources.length) result.NextToken = page[page.length - 1];
  return result;
};

interface MoveTask {
  TaskHandle: string;
  Status: "COMPLETED";
  SourceArn: string;
  DestinationArn?: string;
  ApproximateNumberOfMessagesMoved: number;
  ApproximateNumberOfMessagesToMove: number;
  StartedTimestamp: number;
}

/** Finished move tasks by source ARN, for ListMessageMoveTasks; per process and bounded. */
const recentTasks = new Map<string, MoveTask[]>();

/**
 * Redrive. SourceArn is a dead-letter queue as SQS clients see it: its messages go back to the
 * queue each was dead-lettered from (or all to DestinationArn), and the dead letters still in the
 * Millrace dead-letter state of the queues that name it (not yet moved) are redriven in place.
 * For a queue no RedrivePolicy names, its own dead letters are redriven. Attempts start afresh.
 * The move finishes before the answer.
 */
const startMessageMoveTask: Action = async (context) => {
  const sourceArn = requiredString(context.params, "SourceArn");
  const source = queueOfArn(sourceArn, "SourceArn");
  requireAccess(context, ADMIN, source);
  await context.broker.getQueueRecord(source);
  const destinationArn = optionalString(context.params, "DestinationArn");
  optionalInt(context.params, "MaxNumberOfMessagesPerSecond", 1, 500);
  const destination = destinationArn === undefined ? null : queueOfArn(destinationArn, "DestinationArn");
  if (destination !== null) {
    requireAccess(context, ADMIN, destination);
    await context.broker.getQueueRecord(destination);
  }
  const sources = await sourcesOf(context, source);
  let moved = 0;
  for (const queue of sources.length === 0 ? [source] : sources) moved += await context.broker.redrive(queue, "all");
  if (sources.length > 0) {
    const principal = context.principal;
    moved += await moveBack(
      context.broker,
      source,
      destination,
      (queue) => principal === null || principal.queues.allows(queue),
    );
  }
  const task: MoveTask = {
    TaskHandle: Buffer.from(JSON.stringify({ id: randomUUID(), source: sourceArn })).toString("base64url"),
    Status: "COMPLETED",
    SourceArn: sourceArn,
    ...(destinationArn !== undefined ? { DestinationArn: destinationArn } : {}),
    ApproximateNumberOfMessagesMoved: moved,
    ApproximateNumberOfMessagesToMove: moved,
    StartedTimestamp: Date.now(),
  };
  const list = [task, ...(recentTasks.get(sourceArn) ?? [])].slice(0, 10);
  recentTasks.set(sourceArn, list);
  if (recentTasks.size > 1000) recentTasks.delete(recentTasks.keys().next().value!);
  return { TaskHandle: task.TaskHandle };
};

const listMessageMoveTasks: Action = async (context) => {
  const sourceArn = requiredString(context.params, "SourceArn");
  const source = queueOfArn(sourceArn, "SourceArn");
  requireAccess(context, ADMIN, source);
  await context.broker.getQueueRecord(source);
  const max = optionalInt(context.params, "MaxResults", 1, 10) ?? 1;
  return { Results: (recentTasks.get(sourceArn) ?? []).slice(0, max) };
};

export const DEAD_LETTER_ACTIONS: Record<string, Action> = {
  ListDeadLetterSourceQueues: listDeadLetterSourceQueues,
  StartMessageMoveTask: startMessageMoveTask,
  ListMessageMoveTasks: listMessageMoveTasks,
};
