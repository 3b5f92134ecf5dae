import { Type as t } from "@sinclair/typebox";
import { NAME_PATTERN } from "../domain/names.ts";
import { MAX_MESSAGES_LIMIT } from "../domain/queue-settings.ts";

// Request schemas: the single source for validation and for /openapi.json.
// Bounds are the broker's limits; each violation is answered with a 400 naming the field.

const NAME_HINT = "1-128 characters from A-Z a-z 0-9 . _ - starting with a letter or digit";
const TWELVE_HOURS_SECONDS = 43_200;
const NINETY_DAYS_SECONDS = 90 * 24 * 3600;
const SEVEN_DAYS_SECONDS = 7 * 24 * 3600;
const ONE_DAY_MS = 86_400_000;

export const Name = t.String({ pattern: NAME_PATTERN.source, description: NAME_HINT });

export const QueueParams = t.Object({ queue: Name });
export const TopicParams = t.Object({ topic: Name });

export const QueueSettingsBody = t.Object(
  {
    visibilityTimeoutSeconds: t.Optional(t.Integer({ minimum: 1, maximum: TWELVE_HOURS_SECONDS })),
    maxAttempts: t.Optional(t.Integer({ minimum: 1, maximum: 1000 })),
    backoff: t.Optional(
      t.Object(
        {
          baseMs: t.Optional(t.Integer({ minimum: 0, maximum: ONE_DAY_MS })),
          maxMs: t.Optional(t.Integer({ minimum: 0, maximum: ONE_DAY_MS })),
          multiplier: t.Optional(t.Number({ minimum: 1, maximum: 100 })),
          jitter: t.Optional(t.Union([t.Literal("full"), t.Literal("none")])),
        },
        { additionalProperties: false },
      ),
    ),
    maxMessages: t.Optional(t.Integer({ minimum: 0, maximum: MAX_MESSAGES_LIMIT, description: "0 means unbounded" })),
    retentionSeconds: t.Optional(t.Integer({ minimum: 60, maximum: NINETY_DAYS_SECONDS })),
    dedupWindowSeconds: t.Optional(t.Integer({ minimum: 0, maximum: SEVEN_DAYS_SECONDS })),
    delivery: t.Optional(
      t.Union([
        t.Null(),
        t.Object(
          {
            url: t.String({ pattern: "^https?://[^\\s]+$", description: "an http(s) URL the messages are POSTed to" }),
            secret: t.String({
              pattern: "^whsec_[A-Za-z0-9+/=]{16,}$",
              description: "a Standard Webhooks secret: whsec_ followed by at least 16 base64 characters",
            }),
            timeoutSeconds: t.Optional(t.Integer({ minimum: 1, maximum: 300 })),
            maxConcurrency: t.Optional(t.Integer({ minimum: 1, maximum: 1000 })),
            maxPerSecond: t.Optional(t.Integer({ minimum: 0, maximum: 100_000 })),
          },
          { additionalProperties: false },
        ),
      ]),
    ),
  },
  { additionalProperties: false },
);

const messageFields = {
  body: t.Optional(t.Unknown({ description: "any JSON value; or send bytes as bodyBase64" })),
  bodyBase64: t.Optional(t.String({ description: "the body as base64 bytes" })),
  headers: t.Optional(t.Record(t.String({ maxLength: 256 }), t.String({ maxLength: 8192 }))),
  delaySeconds: t.Optional(t.Integer({ minimum: 0, maximum: NINETY_DAYS_SECONDS })),
  notBefore: t.Optional(t.String({ description: "ISO 8601 time before which the message is not delivered" })),
  priority: t.Optional(t.Integer({ minimum: -1_000_000, maximum: 1_000_000, description: "higher first" })),
  groupId: t.Optional(t.String({ minLength: 1, maxLength: 256 })),
  dedupId: t.Optional(t.String({ minLength: 1, maxLength: 256 })),
};

export const MessageBody = t.Object(messageFields, { additionalProperties: false });

export const PublishBody = t.Object(
  {
    ...messageFields,
    messages: t.Optional(t.Array(MessageBody, { minItems: 1, maxItems: 1000 })),
  },
  { additionalProperties: false },
);

export const ReceiveBody = t.Optional(
  t.Object(
    {
      max: t.Optional(t.Integer({ minimum: 1, maximum: 1000, default: 1 })),
      visibilityTimeoutSeconds: t.Optional(t.Integer({ minimum: 1, maximum: TWELVE_HOURS_SECONDS })),
      waitSeconds: t.Optional(t.Number({ minimum: 0, maximum: 60 })),
    },
    { additionalProperties: false },
  ),
);

const Receipts = t.Array(t.String({ maxLength: 64 }), { minItems: 1, maxItems: 1000 });

export const AckBody = t.Object({ receipts: Receipts }, { additionalProperties: false });

export const NackBody = t.Object(
  {
    receipts: Receipts,
    delaySeconds: t.Optional(t.Integer({ minimum: 0, maximum: TWELVE_HOURS_SECONDS })),
    error: t.Optional(t.String({ maxLength: 4096 })),
  },
  { additionalProperties: false },
);

export const ExtendBody = t.Object(
  {
    receipts: Receipts,
    visibilityTimeoutSeconds: t.Optional(t.Integer({ minimum: 1, maximum: TWELVE_HOURS_SECONDS })),
  },
  { additionalProperties: false },
);

// Query values stay strings here: Elysia's numeric coercion loses the field name on failure,
// so the route parses `limit` itself (see parseLimit).
export const DeadListQuery = t.Object({
  after: t.Optional(t.String({ maxLength: 32 })),
  limit: t.Optional(t.String({ maxLength: 8 })),
});

export const RedriveBody = t.Object(
  {
    ids: t.Optional(t.Array(t.String({ maxLength: 64 }), { minItems: 1, maxItems: 1000 })),
    all: t.Optional(t.Boolean()),
  },
  { additionalProperties: false },
);

export const SubscriptionBody = t.Object(
  {
    queue: Name,
    filter: t.Optional(
      t.Union([
        t.Null(),
        t.Record(
          t.String({ minLength: 1, maxLength: 256 }),
          t.Union([t.String(), t.Array(t.String(), { minItems: 1 })]),
          { description: "header name -> the accepted value, or a list of accepted values" },
        ),
      ]),
    ),
  },
  { additionalProperties: false },
);

export const IdempotencyHeaders = t.Object({
  "idempotency-key": t.Optional(
    t.String({
      maxLength: 256,
      description:
        "sets dedupId: a repeat within the queue's dedup window returns the first message's id; in a batch, message i gets <key>#i",
    }),
  ),
});
