import { Type as t } from "@sinclair/typebox";

// Response schemas: what views.ts and the handlers send, for /openapi.json. Each `$id` becomes a
// named entry under components/schemas (see openapi.ts), so generated clients get named types.
// Objects are closed (additionalProperties: false) so that test/integration/openapi.test.ts,
// which checks every real response against these, fails when a view grows a field the schema lacks.

const closed = { additionalProperties: false } as const;

const Time = t.String({ format: "date-time", description: "ISO 8601, UTC" });
const NullableTime = t.Union([Time, t.Null()]);
const NullableString = t.Union([t.String(), t.Null()]);
const Count = t.Integer({ minimum: 0 });
const Cursor = t.Union([t.String(), t.Null()], {
  description: "pass as `after` to read the next page; null on the last page",
});

export const ErrorBody = t.Object(
  {
    error: t.Object(
      {
        code: t.String({ description: "stable snake_case identifier to switch on", examples: ["queue_not_found"] }),
        message: t.String({ description: "what is wrong and how to fix it" }),
        details: t.Optional(t.Unknown({ description: "machine-readable context, such as the offending field" })),
      },
      closed,
    ),
  },
  { ...closed, $id: "Error" },
);

const Backoff = t.Object(
  {
    baseMs: t.Integer({ minimum: 0 }),
    maxMs: t.Integer({ minimum: 0 }),
    multiplier: t.Number({ minimum: 1 }),
    jitter: t.Union([t.Literal("full"), t.Literal("none")]),
  },
  { ...closed, $id: "Backoff" },
);

const Delivery = t.Object(
  {
    url: t.String(),
    secret: t.Literal("(set)", { description: "the secret is never echoed back" }),
    timeoutSeconds: t.Integer({ minimum: 1 }),
    maxConcurrency: t.Integer({ minimum: 1 }),
    maxPerSecond: t.Integer({ minimum: 0, description: "0 means unlimited" }),
  },
  { ...closed, $id: "Delivery" },
);

const QueueSettings = t.Object(
  {
    visibilityTimeoutSeconds: t.Integer({ minimum: 1 }),
    maxAttempts: t.Integer({ minimum: 1 }),
    backoff: Backoff,
    maxMessages: t.Integer({ minimum: 0, description: "0 means unbounded" }),
    retentionSeconds: t.Integer({ minimum: 0, description: "how long dead letters are kept" }),
    dedupWindowSeconds: t.Integer({ minimum: 0 }),
    delivery: t.Union([Delivery, t.Null()]),
  },
  { ...closed, $id: "QueueSettings" },
);

const QueueStats = t.Object(
  {
    ready: Count,
    delayed: Count,
    leased: Count,
    dead: Count,
    grouped: t.Integer({ minimum: 0, description: "held behind an earlier message of their ordering group" }),
    oldestReadyAgeSeconds: t.Number({ minimum: 0 }),
  },
  { ...closed, $id: "QueueStats" },
);

const DeliveryState = t.Object(
  {
    status: t.Union([t.Literal("enabled"), t.Literal("disabled")], {
      description:
        "disabled after the endpoint answered 410; a PUT of the queue with its delivery settings re-enables it",
    }),
    disabledAt: NullableTime,
    disabledReason: NullableString,
    circuit: t.Object(
      {
        state: t.Union([t.Literal("closed"), t.Literal("open"), t.Literal("half_open")], {
          description:
            "open: nothing is sent until openUntil; half_open: one probe is sent, its answer closes or reopens it",
        }),
        consecutiveFailures: Count,
        openUntil: NullableTime,
      },
      closed,
    ),
    previousSecretUntil: t.Union([Time, t.Null()], {
      description: "during a secret rotation, requests carry a signature with the previous secret too, until then",
    }),
  },
  { ...closed, $id: "DeliveryState" },
);

export const Queue = t.Object(
  {
    name: t.String(),
    settings: QueueSettings,
    stats: QueueStats,
    paused: t.Boolean({ description: "true while receives answer nothing and webhook delivery is stopped" }),
    pausedAt: t.Union([Time, t.Null()], { description: "when it was paused; null while running" }),
    deliveryState: t.Union([DeliveryState, t.Null()], { description: "null for a queue without delivery" }),
    createdAt: Time,
    updatedAt: Time,
  },
  { ...closed, $id: "Queue" },
);

export const QueuePage = t.Object({ queues: t.Array(Queue), nextCursor: Cursor }, { ...closed, $id: "QueuePage" });

// A JSON body comes back as `body`, bytes published as bodyBase64 come back as `bodyBase64`.
const bodyFields = {
  body: t.Optional(t.Unknown({ description: "the JSON body as published; absent when it was bytes" })),
  bodyBase64: t.Optional(t.String({ description: "the bytes as base64; present only when published as bytes" })),
};
const Headers = t.Record(t.String(), t.String());

export const LeasedMessage = t.Object(
  {
    id: t.String(),
    receipt: t.String({ description: "pass unchanged to ack, nack or extend" }),
    ...bodyFields,
    headers: Headers,
    priority: t.Integer(),
    groupId: NullableString,
    attempts: t.Integer({ minimum: 1, description: "deliveries so far, this one included" }),
    enqueuedAt: Time,
    leaseExpiresAt: Time,
    lastError: NullableString,
  },
  { ...closed, $id: "LeasedMessage" },
);

export const ReceiveResult = t.Object({ messages: t.Array(LeasedMessage) }, { ...closed, $id: "ReceiveResult" });

export const MessageRecord = t.Object(
  {
    id: t.String(),
    queue: t.String(),
    state: t.Union(["ready", "delayed", "leased", "grouped", "dead"].map((state) => t.Literal(state))),
    ...bodyFields,
    headers: Headers,
    priority: t.Integer(),
    groupId: NullableString,
    dedupId: NullableString,
    attempts: t.Integer({ minimum: 0 }),
    enqueuedAt: Time,
    availableAt: Time,
    leaseExpiresAt: NullableTime,
    deadAt: NullableTime,
    lastError: NullableString,
  },
  { ...closed, $id: "MessageRecord" },
);

const DeliveryAttempt = t.Object(
  {
    attempt: t.Integer({ minimum: 1, description: "the message's attempt number this send was" }),
    at: Time,
    outcome: t.String({
      description:
        "success, gone, rate_limited, server_error, client_error, redirect, timeout, connection_error or refused_destination",
    }),
    status: t.Union([t.Integer(), t.Null()], { description: "the HTTP status; null when no response came" }),
    durationMs: Count,
    error: NullableString,
    response: t.Union([t.String(), t.Null()], { description: "the first 1 KiB of the response body" }),
  },
  { ...closed, $id: "DeliveryAttempt" },
);

export const MessageDetail = t.Object(
  { ...MessageRecord.properties, deliveryAttempts: t.Array(DeliveryAttempt, { description: "oldest first" }) },
  { ...closed, $id: "MessageDetail" },
);

export const MessagePage = t.Object(
  { messages: t.Array(MessageRecord), nextCursor: Cursor },
  { ...closed, $id: "MessagePage" },
);

export const DeadLetterPage = t.Object(
  { messages: t.Array(MessageRecord), nextCursor: Cursor },
  { ...closed, $id: "DeadLetterPage" },
);

const PublishResult = t.Object(
  {
    id: t.String(),
    duplicate: t.Boolean({ description: "true when a message with this dedupId was published within the window" }),
  },
  { ...closed, $id: "PublishResult" },
);

const PublishBatchResult = t.Object(
  { messages: t.Array(PublishResult, { description: "one result per message, in order" }) },
  { ...closed, $id: "PublishBatchResult" },
);

/** A single publish answers one result; a `{messages:[...]}` batch answers one per message. */
export const PublishResponse = t.Union([PublishResult, PublishBatchResult]);

export const LeaseResults = t.Object(
  {
    results: t.Array(
      t.Object(
        {
          receipt: t.String(),
          result: t.Union([t.Literal("ok"), t.Literal("lease_lost"), t.Literal("invalid_receipt")], {
            description:
              "lease_lost: the lease expired, was superseded, or the receipt's token is wrong; invalid_receipt: not a receipt this broker issues. Either way nothing changed",
          }),
        },
        closed,
      ),
      { description: "one result per receipt, in order" },
    ),
  },
  { ...closed, $id: "LeaseResults" },
);

export const Purged = t.Object({ purged: Count }, { ...closed, $id: "Purged" });
export const Redriven = t.Object({ redriven: Count }, { ...closed, $id: "Redriven" });

export const Topic = t.Object({ name: t.String(), createdAt: Time }, { ...closed, $id: "Topic" });
export const TopicPage = t.Object({ topics: t.Array(Topic), nextCursor: Cursor }, { ...closed, $id: "TopicPage" });

export const Subscription = t.Object(
  {
    topic: t.String(),
    name: t.String(),
    queue: t.String(),
    filter: t.Union([t.Record(t.String(), t.Array(t.String())), t.Null()], {
      description: "header name to the values it may have; null matches every event",
    }),
    createdAt: Time,
  },
  { ...closed, $id: "Subscription" },
);

export const SubscriptionList = t.Object(
  { subscriptions: t.Array(Subscription) },
  { ...closed, $id: "SubscriptionList" },
);

export const EventResult = t.Object(
  {
    deliveries: t.Array(
      t.Object({ queue: t.String(), subscription: t.String(), id: t.String(), duplicate: t.Boolean() }, closed),
      { description: "one per matching subscription; empty when none matched" },
    ),
  },
  { ...closed, $id: "EventResult" },
);

export const Live = t.Object({ status: t.Literal("ok") }, closed);

const ReadinessStatus = t.Union(
  ["ready", "starting", "draining", "database_unavailable", "disk_full", "read_only", "services_stopped"].map(
    (status) => t.Literal(status),
  ),
);

export const Readiness = t.Object(
  {
    status: ReadinessStatus,
    stopped: t.Optional(t.Array(t.String(), { description: "the background services that are not running" })),
  },
  { ...closed, $id: "Readiness" },
);

export const HealthDetail = t.Object(
  {
    status: ReadinessStatus,
    live: t.Boolean(),
    ready: t.Boolean(),
    phase: t.Union([t.Literal("starting"), t.Literal("ready"), t.Literal("draining")]),
    version: t.String(),
    leader: t.Boolean({
      description:
        "whether this instance runs the once-per-fleet maintenance (lease sweeper, retention); on PostgreSQL one instance of the fleet at a time, always true on SQLite",
    }),
    checks: t.Object(
      {
        database: t.Object(
          {
            driver: t.String(),
            ok: t.Boolean(),
            error: t.Optional(t.String()),
            writes: t.Union(
              [
                t.Null(),
                t.Object({ writable: t.Literal(true) }, closed),
                t.Object(
                  {
                    writable: t.Literal(false),
                    reason: t.Union([t.Literal("disk_full"), t.Literal("read_only")]),
                    since: t.Integer({ description: "epoch milliseconds when writes began to fail" }),
                  },
                  closed,
                ),
              ],
              { description: "whether writes succeed; null when the database does not answer" },
            ),
          },
          closed,
        ),
        services: t.Array(t.Object({ name: t.String(), running: t.Boolean(), lastError: NullableString }, closed)),
      },
      closed,
    ),
  },
  { ...closed, $id: "HealthDetail" },
);

const HistorySample = t.Object(
  {
    at: Time,
    ready: t.Integer({ minimum: 0, description: "ready or held behind an earlier message of its ordering group" }),
    delayed: Count,
    leased: Count,
    dead: Count,
    published: t.Integer({ minimum: 0, description: "published through this instance since the previous sample" }),
    acked: t.Integer({ minimum: 0, description: "acked through this instance since the previous sample" }),
  },
  { ...closed, $id: "HistorySample" },
);

export const QueueHistory = t.Object(
  {
    intervalSeconds: t.Integer({
      minimum: 1,
      description: "seconds between samples (MILLRACE_STATS_INTERVAL_SECONDS)",
    }),
    samples: t.Array(HistorySample, { description: "oldest first; at most the last 60 minutes, kept in memory" }),
  },
  { ...closed, $id: "QueueHistory" },
);
