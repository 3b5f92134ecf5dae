/**
 * A failure the caller can act on. `status` is the HTTP status the API answers with;
 * `code` is the stable snake_case identifier clients switch on.
 */
export class BrokerError extends Error {
  override readonly name = "BrokerError";
  constructor(
    readonly code: string,
    readonly status: number,
    message: string,
    readonly details?: unknown,
    /** Seconds the client should wait before retrying (sent as `Retry-After`). */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }

  toJSON(): SerializedBrokerError {
    return {
      code: this.code,
      status: this.status,
      message: this.message,
      details: this.details,
      retryAfterSeconds: this.retryAfterSeconds,
    };
  }

  static fromJSON(data: SerializedBrokerError): BrokerError {
    return new BrokerError(data.code, data.status, data.message, data.details, data.retryAfterSeconds);
  }
}

export interface SerializedBrokerError {
  code: string;
  status: number;
  message: string;
  details?: unknown;
  retryAfterSeconds?: number;
}

export function invalidField(field: string, message: string): BrokerError {
  return new BrokerError("invalid_request", 400, `${field}: ${message}`, { field });
}

export function queueNotFound(queue: string): BrokerError {
  return new BrokerError(
    "queue_not_found",
    404,
    `queue "${queue}" does not exist; create it with PUT /v1/queues/${queue}`,
    { queue },
  );
}

export function topicNotFound(topic: string): BrokerError {
  return new BrokerError(
    "topic_not_found",
    404,
    `topic "${topic}" does not exist; create it with PUT /v1/topics/${topic}`,
    { topic },
  );
}

export function messageNotFound(queue: string, id: string): BrokerError {
  return new BrokerError(
    "message_not_found",
    404,
    `message "${id}" is not in queue "${queue}"; it may have been acked, purged or removed by retention`,
    { queue, id },
  );
}

export function queueFull(queue: string, maxMessages: number): BrokerError {
  return new BrokerError(
    "queue_full",
    429,
    `queue "${queue}" holds its maximum of ${maxMessages} messages; retry after consumers catch up, or raise maxMessages`,
    { queue, maxMessages },
    1,
  );
}

export function fanOutNotAllowed(topic: string, queue: string, patterns: readonly string[]): BrokerError {
  return new BrokerError(
    "queue_not_allowed",
    403,
    `an event on topic "${topic}" would reach queue "${queue}", which these credentials may not publish to ` +
      `(they allow ${patterns.join(", ")}); nothing was written. Ask for a key that allows every subscribed queue, ` +
      "or change the topic's subscriptions",
    { topic, queue },
  );
}

export function subscriptionNotFound(topic: string, name: string): BrokerError {
  return new BrokerError(
    "subscription_not_found",
    404,
    `topic "${topic}" has no subscription "${name}"; list them with GET /v1/topics/${topic}/subscriptions`,
    { topic, name },
  );
}

/** Publishes are refused while this many store operations already wait, so memory stays bounded. */
export function overloaded(pending: number, limit: number): BrokerError {
  return new BrokerError(
    "overloaded",
    503,
    `the server has ${pending} database operations waiting (its limit, MILLRACE_MAX_PENDING_WRITES, is ${limit}); ` +
      "nothing was written. Retry after the Retry-After delay, with fewer publishers or larger batches",
    { pendingOperations: pending, maxPendingWrites: limit },
    1,
  );
}
