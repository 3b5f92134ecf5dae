import { invalidAction, type SqsError } from "./errors.ts";
import { emptyMap } from "./message-attributes.ts";
import type { Params } from "./params.ts";

/**
 * The query protocol of older SDKs (boto3 in Debian 12, the aws CLI v1): form-encoded
 * `Action=…&Version=2012-11-05`, lists flattened as `Name.1`, `Name.1.Key`; answers in XML.
 * Requests are converted to the JSON protocol's shape so one set of handlers serves both.
 */
const XMLNS = "http://queue.amazonaws.com/doc/2012-11-05/";

/** Flattened query names and the JSON member they become; `map` entries are {Name/Key, Value}. */
const MEMBERS: Record<string, { json: string; kind: "list" | "map"; key?: string; value?: string }> = {
  Attribute: { json: "Attributes", kind: "map", key: "Name", value: "Value" },
  Tag: { json: "Tags", kind: "map", key: "Key", value: "Value" },
  MessageAttribute: { json: "MessageAttributes", kind: "map", key: "Name", value: "Value" },
  MessageSystemAttribute: { json: "MessageSystemAttributes", kind: "map", key: "Name", value: "Value" },
  AttributeName: { json: "AttributeNames", kind: "list" },
  MessageAttributeName: { json: "MessageAttributeNames", kind: "list" },
  MessageSystemAttributeName: { json: "MessageSystemAttributeNames", kind: "list" },
  TagKey: { json: "TagKeys", kind: "list" },
  SendMessageBatchRequestEntry: { json: "Entries", kind: "list" },
  DeleteMessageBatchRequestEntry: { json: "Entries", kind: "list" },
  ChangeMessageVisibilityBatchRequestEntry: { json: "Entries", kind: "list" },
};

export function parseQueryRequest(form: URLSearchParams): { action: string; params: Params } {
  const action = form.get("Action");
  if (action === null || !/^[A-Za-z]+$/.test(action)) throw invalidAction("the request names no Action");
  const tree = emptyMap<unknown>();
  for (const [key, value] of form) {
    if (key === "Action" || key === "Version") continue;
    setPath(tree, key.split("."), value);
  }
  const params = convert(tree) as Params;
  // CreateQueue's tags are `tags` in the JSON protocol, `Tag.N` in the query protocol.
  if (action === "CreateQueue" && params.Tags !== undefined) {
    params.tags = params.Tags;
    delete params.Tags;
  }
  return { action, params };
}

function setPath(tree: Record<string, unknown>, path: string[], value: string): void {
  let node = tree;
  for (const [index, part] of path.entries()) {
    if (index === path.length - 1) {
      node[part] = value;
      return;
    }
    const next = node[part];
    if (typeof next !== "object" || next === null) node[part] = emptyMap<unknown>();
    node = node[part] as Record<string, unknown>;
  }
}

/** Numbered children (1, 2, …) in order. */
function numbered(node: unknown): unknown[] {
  if (typeof node !== "object" || node === null) return [];
  return Object.entries(node as Record<string, unknown>)
    .filter(([key]) => /^\d+$/.test(key))
    .sort(([a], [b]) => Number(a) - Number(b))
    .map(([, value]) => value);
}

function convert(node: unknown): unknown {
  if (typeof node !== "object" || node === null) return node;
  const out = emptyMap<unknown>();
  for (const [key, value] of Object.entries(node as Record<string, unknown>)) {
    const member = MEMBERS[key];
    if (!member) {
      out[key] = convert(value);
      continue;
    }
    const items = numbered(value).map(convert);
    if (member.kind === "list") {
      out[member.json] = items;
    } else {
      const map = emptyMap<unknown>();
      for (const item of items as Array<Record<string, unknown>>) {
        const name = item?.[member.key!];
        if (typeof name === "string") map[name] = item[member.value!];
      }
      out[member.json] = map;
    }
  }
  return out;
}

/** JSON result members rendered as flattened XML lists, and maps as Name/Value (or Key/Value) entries. */
const FLATTENED: Record<string, string> = {
  QueueUrls: "QueueUrl",
  queueUrls: "QueueUrl",
  Messages: "Message",
  Failed: "BatchResultErrorEntry",
  Results: "ListMessageMoveTasksResultEntry",
};
const MAPS: Record<string, { element: string; key: string }> = {
  Attributes: { element: "Attribute", key: "Name" },
  MessageAttributes: { element: "MessageAttribute", key: "Name" },
  Tags: { element: "Tag", key: "Key" },
};

export function queryResponse(action: string, result: Record<string, unknown>, requestId: string): Response {
  const successful = `${action}ResultEntry`;
  const body =
    `<?xml version="1.0"?><${action}Response xmlns="${XMLNS}"><${action}Result>` +
    members(result, successful) +
    `</${action}Result><ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${action}Response>`;
  return new Response(body, { status: 200, headers: { "content-type": "text/xml", "x-amzn-requestid": requestId } });
}

function members(object: Record<string, unknown>, successful: string): string {
  let xml = "";
  for (const [name, value] of Object.entries(object)) {
    if (value === undefined || value === null) continue;
    const map = MAPS[name];
    if (map && typeof value === "object" && !Array.isArray(value)) {
      for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
        const inner =
          typeof item === "object" && item !== null
            ? members(item as Record<string, unknown>, successful)
            : escape(String(item));
        xml += `<${map.element}><${map.key}>${escape(key)}</${map.key}><Value>${inner}</Value></${map.element}>`;
      }
    } else if (Array.isArray(value)) {
      const element = name === "Successful" ? successful : (FLATTENED[name] ?? name);
      for (const item of value) xml += element_(element, item, successful);
    } else {
      xml += element_(name, value, successful);
    }
  }
  return xml;
}

function element_(name: string, value: unknown, successful: string): string {
  const inner =
    typeof value === "object" && value !== null
      ? members(value as Record<string, unknown>, successful)
      : escape(String(value));
  return `<${name}>${inner}</${name}>`;
}

export function queryError(error: SqsError, requestId: string): Response {
  const body =
    `<?xml version="1.0"?><ErrorResponse xmlns="${XMLNS}"><Error><Type>${error.sender ? "Sender" : "Receiver"}</Type>` +
    `<Code>${escape(error.queryCode)}</Code><Message>${escape(error.message)}</Message><Detail/></Error>` +
    `<RequestId>${requestId}</RequestId></ErrorResponse>`;
  return new Response(body, {
    status: error.status,
    headers: { "content-type": "text/xml", "x-amzn-requestid": requestId },
  });
}

function escape(text: string): string {
  // Carriage returns would be normalised away by XML parsers; SQS sends them as a character reference.
  return text.replace(/[&<>"'\r]/g, (c) => `&#${c.charCodeAt(0)};`);
}
