import type { MessageRow } from "./message-row.ts";

// The rows `millrace copy` moves from one driver to another, in a driver-neutral shape: the SQLite
// reader produces them, the PostgreSQL bulk writer consumes them. Messages travel as MessageRow.

export interface CopyQueueRow {
  name: string;
  /** JSON of QueueSettings, as stored. */
  settings: string;
  createdAt: number;
  updatedAt: number;
}

export interface CopyTopicRow {
  name: string;
  createdAt: number;
}

export interface CopySubscriptionRow {
  topic: string;
  name: string;
  queue: string;
  filter: string | null;
  createdAt: number;
}

export interface CopyDedupKeyRow {
  queue: string;
  dedupId: string;
  messageId: string;
  expiresAt: number;
}

export type CopyMessageRow = MessageRow;
