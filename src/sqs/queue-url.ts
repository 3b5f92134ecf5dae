import { NAME_PATTERN } from "../domain/names.ts";
import { invalidAddress, invalidParameterValue, queueDoesNotExist } from "./errors.ts";

/** Millrace has one account; queue URLs and ARNs name it so clients that parse them work. */
export const ACCOUNT_ID = "000000000000";

const QUEUE_PATH = /^\/(\d{12})\/([^/]+)$/;

/** The base of queue URLs: the configured public URL, else what the client used to reach us. */
export function baseUrlOf(request: Request, publicUrl: string | null): string {
  if (publicUrl !== null) return publicUrl.replace(/\/+$/, "");
  const url = new URL(request.url);
  const host = request.headers.get("host") ?? url.host;
  return `${url.protocol}//${host}`;
}

export function queueUrl(base: string, queue: string): string {
  return `${base}/${ACCOUNT_ID}/${queue}`;
}

export function queueArn(region: string, queue: string): string {
  return `arn:aws:sqs:${region}:${ACCOUNT_ID}:${queue}`;
}

/**
 * The queue a path names, or null for the service root. Anything else is refused: names never need
 * percent-encoding, so an encoded or dotted spelling cannot smuggle another queue past a check.
 */
export function queueOfPath(path: string): string | null {
  if (path === "/" || path === "") return null;
  const match = QUEUE_PATH.exec(path);
  if (!match || !NAME_PATTERN.test(match[2]!)) {
    throw invalidAddress(`${path.slice(0, 200)} is not a queue URL path; queue URLs look like /${ACCOUNT_ID}/<queue>`);
  }
  if (match[1] !== ACCOUNT_ID) throw queueDoesNotExist(match[2]!);
  return match[2]!;
}

/** The queue a QueueUrl parameter names. The host is not checked: clients reach us by many names. */
export function queueOfUrl(text: string): string {
  let path: string;
  try {
    path = new URL(text).pathname;
  } catch {
    throw invalidAddress(
      `QueueUrl "${text.slice(0, 200)}" is not a URL; use the URL CreateQueue or GetQueueUrl returned`,
    );
  }
  // The URL parser removes dot segments; refuse them in the text itself rather than follow them.
  if (/\/\.\.?(\/|$)|%2e|%2f/i.test(text)) {
    throw invalidAddress(`QueueUrl "${text.slice(0, 200)}" is not a queue URL; use the URL GetQueueUrl returned`);
  }
  const queue = queueOfPath(path);
  if (queue === null)
    throw invalidParameterValue("QueueUrl names no queue; it looks like http://host/000000000000/<queue>");
  return queue;
}

export function queueOfArn(arn: string, field: string): string {
  const match = /^arn:aws:sqs:[^:]*:(\d{12}):([^:]+)$/.exec(arn);
  if (!match || !NAME_PATTERN.test(match[2]!)) {
    throw invalidParameterValue(
      `${field} "${arn.slice(0, 200)}" is not a queue ARN; use the QueueArn from GetQueueAttributes`,
    );
  }
  if (match[1] !== ACCOUNT_ID) throw queueDoesNotExist(match[2]!);
  return match[2]!;
}
