import type { Config } from "../config/schema.ts";

/**
 * The admin commands (queues, dlq) talk to a running broker over its HTTP API rather than
 * opening the database: the server is the only writer, and it wakes long-polls on redrive.
 */
export class ApiClient {
  constructor(
    private readonly baseUrl: string,
    /** An API key or JWT with the admin scope, from --token or $MILLRACE_TOKEN. */
    private readonly token: string | null = null,
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
    let response: Response;
    try {
      response = await fetch(`${this.baseUrl}${path}`, {
        method,
        headers: {
          ...(body === undefined ? {} : { "content-type": "application/json" }),
          ...(this.token ? { authorization: `Bearer ${this.token}` } : {}),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    } catch (error) {
      throw new Error(
        `cannot reach the broker at ${this.baseUrl} (${(error as Error).message}); is it running (systemctl status millrace)? Pass --url or set MILLRACE_URL if it listens elsewhere`,
      );
    }
    const text = await response.text();
    const parsed = text === "" ? null : (JSON.parse(text) as unknown);
    if (!response.ok) {
      const message = (parsed as { error?: { message?: string } } | null)?.error?.message ?? text;
      throw new Error(`${method} ${path} answered ${response.status}: ${message}`);
    }
    return parsed as T;
  }
}
