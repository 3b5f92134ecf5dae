import { invalidField } from "./errors.ts";
import type { BackoffPolicy } from "./retry-policy.ts";

export interface DeliverySettings {
  url: string;
  /** Standard Webhooks secret, `whsec_<base64>`. */
  secret: string;
  timeoutSeconds: number;
  maxConcurrency: number;
  maxPerSecond: number;
}

export interface QueueSettings {
  visibilityTimeoutSeconds: number;
  maxAttempts: number;
  backoff: BackoffPolicy;
  /** 0 means unbounded. */
  maxMessages: number;
  /** How long dead-lettered messages are kept. */
  retentionSeconds: number;
  dedupWindowSeconds: number;
  delivery: DeliverySettings | null;
  /** Attributes only SQS clients set (src/sqs); absent on queues SQS never touched. */
  sqs?: SqsQueueSettings;
}

/** Kept inside the settings JSON, so no table changes: the v1 API does not show them. */
export interface SqsQueueSettings {
  delaySeconds: number;
  receiveWaitSeconds: number;
  maximumMessageSize: number;
  contentBasedDeduplication: boolean;
  /** The RedrivePolicy's target: dead letters move there when it names an existing queue (src/sqs). */
  deadLetterTargetArn: string | null;
  tags: Record<string, string>;
}

/** What a PUT may carry: every field optional; omitted ones keep their current (or default) value. */
export type QueueSettingsPatch = Partial<Omit<QueueSettings, "backoff" | "delivery" | "sqs">> & {
  /** Replaces the SQS attributes whole. */
  sqs?: SqsQueueSettings;
  backoff?: Partial<BackoffPolicy>;
  /** null removes delivery; omitted tuning fields take DELIVERY_DEFAULTS. */
  delivery?: (Pick<DeliverySettings, "url" | "secret"> & Partial<DeliverySettings>) | null;
};

const FOURTEEN_DAYS_SECONDS = 14 * 24 * 3600;

export const DEFAULT_QUEUE_SETTINGS: QueueSettings = {
  visibilityTimeoutSeconds: 30,
  maxAttempts: 10,
  backoff: { baseMs: 1000, maxMs: 60000, multiplier: 2, jitter: "full" },
  maxMessages: 0,
  retentionSeconds: FOURTEEN_DAYS_SECONDS,
  dedupWindowSeconds: 300,
  delivery: null,
};

export const DELIVERY_DEFAULTS = { timeoutSeconds: 10, maxConcurrency: 8, maxPerSecond: 0 } as const;

/** The largest maxMessages accepted: far above any real backlog, far below where counts lose precision. */
export const MAX_MESSAGES_LIMIT = 1_000_000_000;

/**
 * The settings a PUT leads to. Throws a 400 naming the patched field when the result would be
 * inconsistent, also when the conflict is with a value the queue already has.
 */
export function applySettingsPatch(current: QueueSettings, patch: QueueSettingsPatch): QueueSettings {
  const next = merge(current, patch);
  checkBackoff(next.backoff, current.backoff, patch.backoff ?? {});
  if (patch.maxMessages !== undefined && !(patch.maxMessages >= 0 && patch.maxMessages <= MAX_MESSAGES_LIMIT)) {
    throw invalidField("maxMessages", `must be a whole number from 0 (unbounded) to ${MAX_MESSAGES_LIMIT}`);
  }
  if (patch.delivery) checkDeliveryUrl(patch.delivery.url);
  return next;
}

/**
 * Only the URL's form is checked here. Whether its host may be reached is decided at each send,
 * on the addresses the name then resolves to, since DNS answers change.
 */
function checkDeliveryUrl(text: string): void {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw invalidField("delivery.url", `"${text}" is not a URL; write it like https://hooks.example.com/millrace`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw invalidField("delivery.url", `must be an http(s) URL, not ${url.protocol}`);
  }
  if (url.username !== "" || url.password !== "") {
    throw invalidField(
      "delivery.url",
      "must not carry credentials (user:password@); the receiver authenticates deliveries by their webhook-signature",
    );
  }
}

function checkBackoff(next: BackoffPolicy, current: BackoffPolicy, patch: Partial<BackoffPolicy>): void {
  // A queue stored before this rule may conflict already; only a PUT that sets one side is refused.
  if (next.baseMs <= next.maxMs || (patch.baseMs === undefined && patch.maxMs === undefined)) return;
  // Name the field the request set; when it set both, baseMs is the one to lower.
  if (patch.baseMs !== undefined) {
    const max =
      patch.maxMs !== undefined ? `backoff.maxMs (${next.maxMs})` : `the queue's backoff.maxMs (${current.maxMs})`;
    throw invalidField(
      "backoff.baseMs",
      `${next.baseMs} is above ${max}; the first retry delay cannot exceed the longest, so lower baseMs or raise maxMs`,
    );
  }
  throw invalidField(
    "backoff.maxMs",
    `${next.maxMs} is below the queue's backoff.baseMs (${current.baseMs}); the longest retry delay cannot be shorter than the first, so raise maxMs or lower baseMs too`,
  );
}

function merge(current: QueueSettings, patch: QueueSettingsPatch): QueueSettings {
  return {
    visibilityTimeoutSeconds: patch.visibilityTimeoutSeconds ?? current.visibilityTimeoutSeconds,
    maxAttempts: patch.maxAttempts ?? current.maxAttempts,
    backoff: { ...current.backoff, ...stripUndefined(patch.backoff ?? {}) },
    maxMessages: patch.maxMessages ?? current.maxMessages,
    retentionSeconds: patch.retentionSeconds ?? current.retentionSeconds,
    dedupWindowSeconds: patch.dedupWindowSeconds ?? current.dedupWindowSeconds,
    delivery:
      patch.delivery === undefined
        ? current.delivery
        : patch.delivery === null
          ? null
          : {
              ...DELIVERY_DEFAULTS,
              ...stripUndefined(patch.delivery),
              url: patch.delivery.url,
              secret: patch.delivery.secret,
            },
    ...((patch.sqs ?? current.sqs) ? { sqs: patch.sqs ?? current.sqs } : {}),
  };
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
