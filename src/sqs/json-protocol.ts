import { invalidAction, SqsError } from "./errors.ts";
import type { Params } from "./params.ts";

/** The JSON protocol (awsJson1_0) of current SDKs: X-Amz-Target names the action, the body is its input. */
export const JSON_CONTENT_TYPE = "application/x-amz-json-1.0";

export function parseJsonRequest(target: string, body: string): { action: string; params: Params } {
  const match = /^AmazonSQS\.([A-Za-z]+)$/.exec(target);
  if (!match) throw invalidAction(`X-Amz-Target "${target.slice(0, 100)}" is not AmazonSQS.<Action>`);
  let params: unknown;
  try {
    params = body.trim() === "" ? {} : JSON.parse(body);
  } catch {
    throw new SqsError("SerializationException", "SerializationException", 400, "the request body is not valid JSON");
  }
  if (typeof params !== "object" || params === null || Array.isArray(params)) {
    throw new SqsError(
      "SerializationException",
      "SerializationException",
      400,
      "the request body must be a JSON object",
    );
  }
  return { action: match[1]!, params: params as Params };
}

export function jsonResponse(result: Record<string, unknown>, requestId: string): Response {
  return new Response(JSON.stringify(result), {
    status: 200,
    headers: { "content-type": JSON_CONTENT_TYPE, "x-amzn-requestid": requestId },
  });
}

/**
 * `__type` picks the SDK's exception class; `x-amzn-query-error` carries the query-protocol code,
 * which SDKs in query-compatible mode expose as the error's Code.
 */
export function jsonError(error: SqsError, requestId: string): Response {
  return new Response(JSON.stringify({ __type: `com.amazonaws.sqs#${error.type}`, message: error.message }), {
    status: error.status,
    headers: {
      "content-type": JSON_CONTENT_TYPE,
      "x-amzn-requestid": requestId,
      "x-amzn-query-error": `${error.queryCode};${error.sender ? "Sender" : "Receiver"}`,
    },
  });
}
