// The API's shapes as the console reads them (see /openapi.json).

export interface QueueStats {
  ready: number;
  delayed: number;
  leased: number;
  dead: number;
  grouped: number;
  oldestReadyAgeSeconds: number;
}

export interface DeliveryState {
  status: "enabled" | "disabled";
  disabledReason: string | null;
  circuit: { state: "closed" | "open" | "half_open"; consecutiveFailures: number; openUntil: string | null };
}

export interface Queue {
  name: string;
  settings: Record<string, unknown> & {
    visibilityTimeoutSeconds: number;
    maxAttempts: number;
    maxMessages: number;
    retentionSeconds: number;
    dedupWindowSeconds: number;
    delivery: { url: string } | null;
  };
  stats: QueueStats;
  paused: boolean;
  pausedAt: string | null;
  deliveryState: DeliveryState | null;
}

export interface Message {
  id: string;
  queue: string;
  state: "ready" | "delayed" | "leased" | "grouped" | "dead";
  body?: unknown;
  bodyBase64?: string;
  headers: Record<string, string>;
  priority: number;
  groupId: string | null;
  attempts: number;
  enqueuedAt: string;
  availableAt: string;
  leaseExpiresAt: string | null;
  lastError: string | null;
  deadAt: string | null;
}

export interface DeliveryAttempt {
  attempt: number;
  at: string;
  outcome: string;
  status: number | null;
  durationMs: number;
  error: string | null;
}

export interface MessageDetail extends Message {
  deliveryAttempts: DeliveryAttempt[];
}

export interface Page<K extends string, T> {
  nextCursor: string | null;
  items: T[];
  key: K;
}

export interface Subscription {
  topic: string;
  name: string;
  queue: string;
  filter: Record<string, string[]> | null;
}
