/** What the broker reports as it works; metrics implement it. Calls must be cheap and never throw. */
export interface BrokerObserver {
  messages(event: "published" | "delivered" | "acked" | "nacked", queue: string, count: number): void;
}

export const NO_OBSERVER: BrokerObserver = { messages: () => undefined };
