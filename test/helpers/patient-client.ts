// An HTTP client for a fleet under faults: a request that nginx or an instance could not serve
// (429 from nginx's rate limit, 502 while an instance is dead, 503 while PostgreSQL restarts,
// 504, a refused or dropped connection) is sent again after a short, growing backoff. Whoever
// calls it decides whether sending again is safe (publish with dedup ids, receive, ack).
// Given several bases (instances of a fleet without a proxy in front), each retry goes to the next.

const RETRIED = new Set([429, 502, 503, 504]);
const MAX_BACKOFF_MS = 500;

type Answer = { status: number; body: Record<string, unknown> };

export class PatientClient {
  /** Retries, by cause (a status, or "connection"). */
  readonly retries = new Map<string, number>();
  requests = 0;
  private stopped = false;

  private readonly bases: string[];
  private next = 0;

  /** `alsoRetried`: more statuses to send again (the chaos test adds 507 while it fills the disk). */
  constructor(base: string | string[], alsoRetried: number[] = []) {
    this.bases = typeof base === "string" ? [base] : base;
    this.retried = new Set([...RETRIED, ...alsoRetried]);
  }

  private readonly retried: Set<number>;

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

  put(path: string, body: unknown): Promise<Answer | null> {
    return this.send("PUT", path, body, Number.POSITIVE_INFINITY);
  }

  async get(path: string): Promise<Answer> {
    return (await this.send("GET", path, undefined, Number.POSITIVE_INFINITY))!;
  }

  /** A GET given up (null) once `until` passes. */
  getUntil(path: string, until: number): Promise<Answer | null> {
    return this.send("GET", path, undefined, until);
  }

  private async send(method: string, path: string, body: unknown, until: number): Promise<Answer | null> {
    for (let attempt = 0; !this.stopped && Date.now() < until; attempt++) {
      this.requests += 1;
      const base = this.bases[this.next++ % this.bases.length]!;
      let cause: string;
      try {
        const response = await fetch(`${base}${path}`, {
          method,
          headers: { "content-type": "application/json" },
          body: body === undefined ? undefined : JSON.stringify(body),
        });
        if (!this.retried.has(response.status))
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
