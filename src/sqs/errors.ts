import { AuthError } from "../auth/auth-error.ts";
import { BrokerError } from "../domain/errors.ts";

/**
 * An SQS error: `type` is the error shape the JSON protocol names in `__type` (and the SDKs turn
 * into exception classes); `queryCode` is the code of the query protocol and of the
 * `x-amzn-query-error` header, which the JSON SDKs also read. `sender` is false only for faults of ours.
 */
export class SqsError extends Error {
  override readonly name = "SqsError";
  constructor(
    readonly type: string,
    readonly queryCode: string,
    readonly status: number,
    message: string,
    readonly sender = true,
  ) {
    super(message);
  }
}

const simple =
  (code: string, status = 400) =>
  (message: string) =>
    new SqsError(code, code, status, message);

export const invalidParameterValue = simple("InvalidParameterValue");
export const missingParameter = simple("MissingParameter");
export const invalidAttributeName = simple("InvalidAttributeName");
export const invalidAttributeValue = simple("InvalidAttributeValue");
export const invalidMessageContents = simple("InvalidMessageContents");
export const invalidAction = simple("InvalidAction");
export const accessDenied = simple("AccessDenied", 403);
export const invalidClientTokenId = simple("InvalidClientTokenId", 403);
export const signatureDoesNotMatch = simple("SignatureDoesNotMatch", 403);
export const incompleteSignature = simple("IncompleteSignature", 400);
export const missingAuthenticationToken = simple("MissingAuthenticationToken", 403);
export const requestExpired = simple("RequestExpired", 400);
export const invalidAddress = (message: string) => new SqsError("InvalidAddress", "InvalidAddress", 404, message);
export const receiptHandleIsInvalid = (message: string) =>
  new SqsError("ReceiptHandleIsInvalid", "ReceiptHandleIsInvalid", 404, message);
export const queueNameExists = (message: string) => new SqsError("QueueNameExists", "QueueAlreadyExists", 400, message);

export function queueDoesNotExist(queue: string): SqsError {
  return new SqsError(
    "QueueDoesNotExist",
    "AWS.SimpleQueueService.NonExistentQueue",
    400,
    `The specified queue does not exist: "${queue}"; create it with CreateQueue`,
  );
}

const batch = (shape: string) => (message: string) =>
  new SqsError(shape, `AWS.SimpleQueueService.${shape}`, 400, message);
export const batchEntryIdsNotDistinct = batch("BatchEntryIdsNotDistinct");
export const emptyBatchRequest = batch("EmptyBatchRequest");
export const tooManyEntriesInBatchRequest = batch("TooManyEntriesInBatchRequest");
export const invalidBatchEntryId = batch("InvalidBatchEntryId");
export const batchRequestTooLong = batch("BatchRequestTooLong");

/** Every failure an action can meet, as the SQS error the clients expect: the one mapping place. */
export function toSqsError(error: unknown): SqsError {
  if (error instanceof SqsError) return error;
  if (error instanceof AuthError) {
    if (error.status === 403) return accessDenied(error.message);
    if (error.status === 401) return invalidClientTokenId(error.message);
    return new SqsError("ServiceUnavailable", "ServiceUnavailable", 503, error.message, false);
  }
  if (error instanceof BrokerError) {
    switch (error.code) {
      case "queue_not_found":
        return queueDoesNotExist(String((error.details as { queue?: string } | undefined)?.queue ?? ""));
      case "invalid_request":
        return invalidParameterValue(error.message);
      case "queue_full":
      case "rate_limited":
        return new SqsError("RequestThrottled", "RequestThrottled", 403, error.message);
      case "queue_not_allowed":
        return accessDenied(error.message);
      default:
        if (error.status < 500)
          return new SqsError("InvalidParameterValue", "InvalidParameterValue", 400, error.message);
        // 503 is what the SDKs retry.
        return new SqsError("ServiceUnavailable", "ServiceUnavailable", 503, error.message, false);
    }
  }
  return new SqsError("InternalFailure", "InternalFailure", 500, "the broker failed; see its log", false);
}
