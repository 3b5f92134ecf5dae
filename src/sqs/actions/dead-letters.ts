import { randomUUID } from "node:crypto";
import type { Action, ActionContext } from "../context.ts";
import { authorizedQueue, requireAccess } from "../context.ts";
import { invalidParameterValue } from "../errors.ts";
import { optionalInt, optionalString, requiredString } from "../params.ts";
import { NO_REDRIVE_MAX_ATTEMPTS, sqsSettingsOf } from "../queue-attributes.ts";
import { queueOfArn, queueUrl } from "../queue-url.ts";

const ADMIN = ["admin"] as const;

/**
 * Queues whose RedrivePolicy names `target`. In Millrace a queue's dead letters stay in its own
 * dead-letter state; the named target is where SQS clients look for them, so redrive and
 * listing go through these source queues.
 */
async function sourcesOf(context: ActionContext, target: string): Promise<string[]> {
  const page = await context.broker.listQueues(null, 100_000, (name) => context.principal?.queues.allows(name) ?? true);
  return page.items
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
 * Redrive: SourceArn is the dead-letter queue as SQS clients see it. The dead letters of every
 * queue that names it (or, for a queue of its own, its own dead letters) go back to their queue,
 * with attempts reset. A DestinationArn must be that one source queue: Millrace does not move
 * messages between queues. The move finishes before the answer.
 */
const startMessageMoveTask: Action = async (context) => {
  const sourceArn = requiredString(context.params, "SourceArn");
  const source = queueOfArn(sourceArn, "SourceArn");
  requireAccess(context, ADMIN, source);
  await context.broker.getQueueRecord(source);
  const destinationArn = optionalString(context.params, "DestinationArn");
  optionalInt(context.params, "MaxNumberOfMessagesPerSecond", 1, 500);
  let queues = await sourcesOf(context, source);
  if (queues.length === 0) queues = [source];
  if (destinationArn !== undefined) {
    const destination = queueOfArn(destinationArn, "DestinationArn");
    if (!queues.includes(destination)) {
      throw invalidParameterValue(
        `DestinationArn: Millrace redrives dead letters into the queue they came from (${queues.join(", ")}); omit DestinationArn or name that queue`,
      );
    }
    queues = [destination];
  }
  let moved = 0;
  for (const queue of queues) {
    requireAccess(context, ADMIN, queue);
    moved += await context.broker.redrive(queue, "all");
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
