import type { MessageRecord } from "./message.ts";
import type { QueueSettings } from "./queue-settings.ts";

// The records the store hands back, as the broker and the API see them: driver-neutral, so
// routes and views name them without reaching into storage.

export interface QueueRecord {
  name: string;
  settings: QueueSettings;
  /** When an operator paused it: receives answer nothing and webhook delivery stops; null while running. */
  pausedAt: number | null;
  createdAt: number;
  updatedAt: number;
}

export interface DeadLetterPage {
  messages: MessageRecord[];
  /** Pass back as `after` to read the next page; null at the end. */
  nextCursor: string | null;
}

export interface TopicRecord {
  name: string;
  createdAt: number;
}

/** Every listed header must be present with one of its listed values. */
export type HeaderFilter = Record<string, string[]>;

export interface SubscriptionRecord {
  topic: string;
  name: string;
  queue: string;
  filter: HeaderFilter | null;
  createdAt: number;
}

export interface FanOutResult {
  queue: string;
  subscription: string;
  id: string;
  duplicate: boolean;
}

export type WriteHealth = { writable: true } | { writable: false; reason: "disk_full" | "read_only"; since: number };
