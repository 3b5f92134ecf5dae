/**
 * The messaging attribute names of the OpenTelemetry semantic conventions. They live in the
 * package's `incubating` entry, which upstream asks users to copy from rather than import,
 * since it may change in any minor release.
 */
export const MESSAGING_SYSTEM = "messaging.system";
export const MESSAGING_DESTINATION_NAME = "messaging.destination.name";
export const MESSAGING_OPERATION_TYPE = "messaging.operation.type";
export const MESSAGING_OPERATION_NAME = "messaging.operation.name";
export const MESSAGING_MESSAGE_ID = "messaging.message.id";
export const MESSAGING_BATCH_MESSAGE_COUNT = "messaging.batch.message_count";

/** Not in the conventions' list of systems, so Millrace names itself. */
export const SYSTEM = "millrace";

export type OperationType = "create" | "send" | "receive" | "process" | "settle";
