import {
  batchEntryIdsNotDistinct,
  emptyBatchRequest,
  invalidBatchEntryId,
  toSqsError,
  tooManyEntriesInBatchRequest,
} from "../errors.ts";
import { objectList, type Params } from "../params.ts";

const ENTRY_ID = /^[A-Za-z0-9_-]{1,80}$/;
export const MAX_BATCH = 10;

/** A batch's entries, checked as SQS checks them before any entry is tried. */
export function batchEntries(params: Params, name = "Entries"): Params[] {
  const entries = objectList(params, name);
  if (entries.length === 0) throw emptyBatchRequest("There should be at least one entry in the request.");
  if (entries.length > MAX_BATCH) {
    throw tooManyEntriesInBatchRequest(
      `Maximum number of entries per request are ${MAX_BATCH}. You have sent ${entries.length}.`,
    );
  }
  const seen = new Set<string>();
  for (const entry of entries) {
    const id = entry.Id;
    if (typeof id !== "string" || !ENTRY_ID.test(id)) {
      throw invalidBatchEntryId(
        "A batch entry id can only contain alphanumeric characters, hyphens and underscores. It can be at most 80 letters long.",
      );
    }
    if (seen.has(id)) throw batchEntryIdsNotDistinct(`Id ${id} repeated.`);
    seen.add(id);
  }
  return entries;
}

export interface BatchFailure {
  Id: string;
  SenderFault: boolean;
  Code: string;
  Message: string;
}

export function failureOf(id: string, error: unknown): BatchFailure {
  const sqs = toSqsError(error);
  return { Id: id, SenderFault: sqs.sender, Code: sqs.queryCode, Message: sqs.message };
}
