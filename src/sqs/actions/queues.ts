import { BrokerError } from "../../domain/errors.ts";
import { assertName } from "../../domain/names.ts";
import type { Action, ActionContext } from "../context.ts";
import { authorizedQueue, requireAccess } from "../context.ts";
import { invalidParameterValue, queueNameExists } from "../errors.ts";
import { optionalInt, optionalString, requiredString, stringList, stringMap } from "../params.ts";
import { attributesOf, patchFromAttributes, sameAttributes, sqsSettingsOf } from "../queue-attributes.ts";
import { queueUrl } from "../queue-url.ts";

const ANY = ["publish", "consume", "admin"] as const;
const ADMIN = ["admin"] as const;

const createQueue: Action = async (context) => {
  const name = requiredString(context.params, "QueueName");
  try {
    assertName("QueueName", name);
  } catch {
    throw invalidParameterValue(
      `QueueName "${name.slice(0, 140)}": use 1-80 characters from A-Z a-z 0-9 _ - (and .fifo at the end for FIFO queues)`,
    );
  }
  requireAccess(context, ADMIN, name);
  const attributes = stringMap(context.params, "Attributes");
  const tags = stringMap(context.params, "tags");
  const existing = await context.broker.getQueue(name).catch((error: unknown) => {
    if (error instanceof BrokerError && error.code === "queue_not_found") return null;
    throw error;
  });
  // Validated as for a new queue even when it exists, so a bad request is refused either way.
  const patch = patchFromAttributes(name, attributes, existing?.settings ?? null, true);
  if (existing) {
    if (!sameAttributes(existing, context.region, attributes)) {
      throw queueNameExists(
        `A queue named ${name} already exists with different attributes; use SetQueueAttributes to change them`,
      );
    }
    return { QueueUrl: queueUrl(context.baseUrl, name) };
  }
  patch.sqs = { ...patch.sqs!, tags: { ...patch.sqs!.tags, ...tags } };
  await context.broker.putQueue(name, patch);
  return { QueueUrl: queueUrl(context.baseUrl, name) };
};

const getQueueUrl: Action = async (context) => {
  const name = requiredString(context.params, "QueueName");
  requireAccess(context, ANY, name);
  await context.broker.getQueueRecord(name);
  return { QueueUrl: queueUrl(context.baseUrl, name) };
};

const listQueues: Action = async (context) => {
  requireAccess(context, ADMIN, null);
  const prefix = optionalString(context.params, "QueueNamePrefix") ?? "";
  const max = optionalInt(context.params, "MaxResults", 1, 1000);
  const after = optionalString(context.params, "NextToken") ?? null;
  const principal = context.principal;
  // Without MaxResults SQS answers up to 1000 and no token.
  const page = await context.broker.listQueues(
    after,
    max ?? 1000,
    (name) => name.startsWith(prefix) && (principal === null || principal.queues.allows(name)),
  );
  const result: Record<string, unknown> = { QueueUrls: page.items.map((q) => queueUrl(context.baseUrl, q.name)) };
  if (max !== undefined && page.nextCursor !== null) result.NextToken = page.nextCursor;
  return result;
};

const deleteQueue: Action = async (context) => {
  await context.broker.deleteQueue(authorizedQueue(context, ADMIN));
  return {};
};

const purgeQueue: Action = async (context) => {
  const queue = authorizedQueue(context, ADMIN);
  await context.broker.getQueueRecord(queue);
  await context.broker.purgeQueue(queue);
  return {};
};

const getQueueAttributes: Action = async (context) => {
  const queue = authorizedQueue(context, ANY);
  const names = stringList(context.params, "AttributeNames");
  if (names.length === 0) return {};
  const view = await context.broker.getQueue(queue);
  return { Attributes: attributesOf(view, context.region, names) };
};

const setQueueAttributes: Action = async (context) => {
  const queue = authorizedQueue(context, ADMIN);
  const current = await context.broker.getQueueRecord(queue);
  const patch = patchFromAttributes(queue, stringMap(context.params, "Attributes"), current.settings, false);
  await context.broker.putQueue(queue, patch);
  return {};
};

async function updateTags(context: ActionContext, change: (tags: Record<string, string>) => void): Promise<void> {
  const queue = authorizedQueue(context, ADMIN);
  const current = await context.broker.getQueueRecord(queue);
  const sqs = sqsSettingsOf(current.settings);
  const tags = { ...sqs.tags };
  change(tags);
  if (Object.keys(tags).length > 50) throw invalidParameterValue("a queue has at most 50 tags");
  await context.broker.putQueue(queue, { sqs: { ...sqs, tags } });
}

const tagQueue: Action = async (context) => {
  const add = stringMap(context.params, "Tags");
  if (Object.keys(add).length === 0) throw invalidParameterValue("Tags must name at least one tag");
  // Defined, not assigned, so a key like __proto__ is stored as a tag.
  await updateTags(context, (tags) => {
    for (const [key, value] of Object.entries(add))
      Object.defineProperty(tags, key, { value, enumerable: true, writable: true, configurable: true });
  });
  return {};
};

const untagQueue: Action = async (context) => {
  const keys = stringList(context.params, "TagKeys");
  if (keys.length === 0) throw invalidParameterValue("TagKeys must name at least one tag");
  await updateTags(context, (tags) => {
    for (const key of keys) delete tags[key];
  });
  return {};
};

const listQueueTags: Action = async (context) => {
  const queue = authorizedQueue(context, ANY);
  const tags = sqsSettingsOf((await context.broker.getQueueRecord(queue)).settings).tags;
  return Object.keys(tags).length === 0 ? {} : { Tags: tags };
};

export const QUEUE_ACTIONS: Record<string, Action> = {
  CreateQueue: createQueue,
  GetQueueUrl: getQueueUrl,
  ListQueues: listQueues,
  DeleteQueue: deleteQueue,
  PurgeQueue: purgeQueue,
  GetQueueAttributes: getQueueAttributes,
  SetQueueAttributes: setQueueAttributes,
  TagQueue: tagQueue,
  UntagQueue: untagQueue,
  ListQueueTags: listQueueTags,
};
