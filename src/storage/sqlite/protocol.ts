import type { SerializedBrokerError } from "../../domain/errors.ts";

// Messages between the main thread and the SQLite writer thread.

/** `op` is "<aggregate>.<method>", or "ping". */
export type Operation = [op: string, args: unknown[]];

export type ToWriter = { type: "open"; path: string } | { type: "batch"; ops: Operation[] } | { type: "close" };

export type OperationResult = { ok: true; value: unknown } | { ok: false; error: SerializedBrokerError };

export type FromWriter =
  | { type: "opened"; migrationsApplied: string[] }
  /** One result list per batch, in the order the batches were sent. */
  | { type: "results"; batches: OperationResult[][] }
  | { type: "closed" }
  | { type: "fatal"; message: string };
