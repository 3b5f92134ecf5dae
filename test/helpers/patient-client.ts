// An HTTP client for a fleet under faults: a request that nginx or an instance could not serve
// (429 from nginx's rate limit, 502 while an instance is dead, 503 while PostgreSQL restarts,
// 504, a refused or dropped connection) is sent again after a short, growing backoff. Whoever
// calls it decides whether sending again is safe (publish with dedup ids, receive, ack).

const RETRIED = new Set([429, 502, 503, 504]);
const MAX_BACKOFF_MS = 500;

type Answer = { status: number; body: Record<string, unknown> };

export class PatientClient {
  /** Retries, by cause (a status, or "connection"). */
  readonly retries = new Map<string, number>();
  requests = 0;
  private stopped = false;

  constructor(private readonly base: string) {}

  /**
   * POSTs `body` to `path` until an answer other than a transient failure comes (or `until`
   * passes: then null). Returns the status and parsed JSON body.
   */
  /** Every request in progress gives up (answers null) at its next retry, and no new one is sent. */
  stop(): void {
    this.stopped = true;
  }

  post(path: string, body: unknown, until = Number.POSITIVE_INFINITY): Promise<Answer | null> {
    return this.send("POST", path, body, until);
  }

  async get(path: string): Promise<Answer> {
    return (await this.send("GET", path, undefined, Number.POSITIVE_INFINITY))!;
  }

  private async send(method: string, path: string, body: unknown, until: number): Promise<Answer | null> {
    for (let attempt = 0; !this.stopped && Date.now() < until; attempt++) {
      this.requests += 1;
      let cause: string;
      try {
        const response = await fetch(`${this.base}${path}`, {
          method,
          headers: { "content-type": "application/json" },
          body: body === undefined ? undefined : JSON.stringify(body),
        });
        if (!RETRIED.has(response.status))
          return { status: response.status, body: (await response.json()) as Record<string, unknown> };
        await response.arrayBuffer();
        cause = String(response.status);
      } catch {
        cause = "connection";
      }
      this.retries.set(cause, (this.retries.get(cause) ?? 0) + 1);
      await Bun.sleep(Math.min(MAX_BACKOFF_MS, 10 * 2 ** attempt) * (0.5 + Math.random() / 2));
    }
    return null;
  }
}
