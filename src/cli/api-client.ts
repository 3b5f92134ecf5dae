import type { Config } from "../config/schema.ts";
import { UnavailableError } from "./args.ts";

/** Statuses that mean "the broker is not there right now" (draining, or a proxy without upstream). */
const UNAVAILABLE_STATUSES = new Set([502, 503, 504]);

const REQUEST_TIMEOUT_MS = 30_000;

/** Upper bound on pages fetched by `pages`, so a server that keeps returning a cursor cannot loop us forever. */
const MAX_PAGES = 100_000;

/**
 * The admin commands (queues, topics, dlq) talk to a running broker over its HTTP API rather than
 * opening the database: the server is the only writer, and it wakes long-polls on redrive.
 */
export class ApiClient {
  constructor(
    private readonly baseUrl: string,
    /** An API key or JWT with the admin scope, from --token or $MILLRACE_TOKEN. */
    private readonly token: string | null = null,
    private readonly timeoutMs = REQUEST_TIMEOUT_MS,
  ) {}

  static fromConfig(config: Config, flags: Record<string, string>, env: Record<string, string | undefined>): ApiClient {
    const token = flags["--token"] ?? env.MILLRACE_TOKEN ?? null;
    const explicit = flags["--url"] ?? env.MILLRACE_URL;
    if (explicit) return new ApiClient(explicit.replace(/\/+$/, ""), token);
    // A wildcard listen address is reachable on loopback.
    const host = ["0.0.0.0", "::"].includes(config.listen.host) ? "127.0.0.1" : config.listen.host;
    return new ApiClient(`http://${host.includes(":") ? `[${host}]` : host}:${config.listen.port}`, token);
  }

  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    return (await this.send<T>(method, path, body)).body;
  }

  /** Like `request`, with the status too (201 created vs 200 updated). */
  async send<T>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
    let response: Response;
    try {
      response = await fetch(`${this.baseUrl}${path}`, {
        method,
        headers: {
          ...(body === undefined ? {} : { "content-type": "application/json" }),
          ...(this.token ? { authorization: `Bearer ${this.token}` } : {}),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        // No admin call takes long; a broker that does not answer is as good as down.
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (error) {
      if ((error as Error).name === "TimeoutError") {
        throw new UnavailableError(
          `the broker at ${this.baseUrl} did not answer ${method} ${path} within ${this.timeoutMs / 1000} s; check its health (curl ${this.baseUrl}/health) and its journal`,
        );
      }
      throw new UnavailableError(
        `cannot reach the broker at ${this.baseUrl} (${(error as Error).message}); is it running (systemctl status millrace)? Pass --url or set MILLRACE_URL if it listens elsewhere`,
      );
    }
    const text = await response.text();
    const parsed = parseJson(text);
    if (!response.ok) {
      const message =
        (parsed as { error?: { message?: string } } | null)?.error?.message ?? (text.trim().slice(0, 300) || "no body");
      const failure = `${method} ${path} answered ${response.status}: ${message}`;
      if (UNAVAILABLE_STATUSES.has(response.status)) {
        throw new UnavailableError(`${failure}; the broker is starting, draining or down: retry shortly`);
      }
      throw new Error(failure);
    }
    return { status: response.status, body: parsed as T };
  }

  /**
   * Every item of a paged list (`{<key>: [...], nextCursor}`), following `nextCursor` until it is
   * null. A server that does not page (no nextCursor) is one page. `pageSize` is sent as `limit`.
   */
  async pages<T>(path: string, key: string, pageSize?: string): Promise<T[]> {
    const items: T[] = [];
    let after: string | null = null;
    for (let page = 0; page < MAX_PAGES; page++) {
      // Without --page-size the server's default applies, which is always within its bounds.
      const query = new URLSearchParams();
      if (pageSize !== undefined) query.set("limit", pageSize);
      if (after !== null) query.set("after", after);
      const body: Record<string, unknown> = await this.request<Record<string, unknown>>(
        "GET",
        query.size === 0 ? path : `${path}?${query}`,
      );
      const chunk = body[key];
      if (!Array.isArray(chunk)) throw new Error(`GET ${path} answered without a "${key}" list`);
      items.push(...(chunk as T[]));
      const next: unknown = body.nextCursor;
      if (typeof next !== "string" || next === "" || next === after) return items;
      after = next;
    }
    throw new Error(`GET ${path} kept returning a nextCursor after ${MAX_PAGES} pages`);
  }
}

function parseJson(text: string): unknown {
  if (text === "") return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    // A proxy's HTML error page, say: the caller reports the status and the text.
    return null;
  }
}
