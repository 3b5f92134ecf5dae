import type { SerializedBrokerError } from "../../domain/errors.ts";

// Messages between the main thread and the SQLite writer thread.

/** `op` is "<aggregate>.<method>", "ping", or "probeWrite" (a write with no net effect). */
export type Operation = [op: string, args: unknown[]];

export type ToWriter = { type: "open"; path: string } | { type: "batch"; ops: Operation[] } | { type: "close" };

export type OperationResult = { ok: true; value: unknown } | { ok: false; error: SerializedBrokerError };

export type FromWriter =
  | { type: "opened"; migrationsApplied: string[] }
  /**
   * One result list per batch, in the order the batches were sent, and the queues whose messages
   * became ready out of sight of the callers (an ordering group moved on), to wake their receivers.
   */
  | { type: "results"; batches: OperationResult[][]; ready: Array<[queue: string, count: number]> }
  | { type: "closed" }
  /**
   * A disk-full episode began (`full`, with the database's own error) or ended (a write
   * committed again). Sent before the results of the batch that showed it.
   */
  | { type: "disk"; full: boolean; error: string | null }
  | { type: "fatal"; message: string };
