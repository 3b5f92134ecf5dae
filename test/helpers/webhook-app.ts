import { client, startApp, type RunningApp } from "./start-app.ts";
import { createTestDatabase } from "./test-store.ts";

export type Driver = "sqlite" | "postgres";
export const DRIVERS: Driver[] = ["sqlite", "postgres"];

export const SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
/** Short delays so retries happen within a test; no jitter, so they are what the test expects. */
export const FAST_BACKOFF = { baseMs: 20, maxMs: 200, multiplier: 2, jitter: "none" as const };

/** Settings every webhook test app runs with: loopback receivers allowed, a short circuit cool-down. */
export const WEBHOOK_ENV = {
  MILLRACE_MODE: "all",
  MILLRACE_WEBHOOK_ALLOW_CIDRS: "127.0.0.0/8",
  MILLRACE_WEBHOOK_CIRCUIT_FAILURES: "3",
  MILLRACE_WEBHOOK_CIRCUIT_COOLDOWN_SECONDS: "0.3",
};

export interface WebhookDatabase {
  /** Env naming the store: a fresh PostgreSQL database, or nothing (startApp makes a SQLite dir). */
  env: Record<string, string>;
  drop: () => Promise<void>;
}

/** A fresh database of its own for `driver` (PostgreSQL), shared by the apps started on it. */
export async function webhookDatabase(driver: Driver): Promise<WebhookDatabase> {
  if (driver === "sqlite") return { env: {}, drop: async () => undefined };
  const database = await createTestDatabase();
  return { env: { MILLRACE_DATABASE_URL: database.url }, drop: database.drop };
}

export async function startWebhookApp(db: WebhookDatabase, env: Record<string, string> = {}): Promise<RunningApp> {
  return startApp({ ...WEBHOOK_ENV, ...db.env, ...env });
}

export type Call = ReturnType<typeof client>;

/** PUTs a delivery queue pointing at `url`; `settings` may override anything. */
export async function putDeliveryQueue(
  call: Call,
  name: string,
  url: string,
  delivery: Record<string, unknown> = {},
  settings: Record<string, unknown> = {},
) {
  const response = await call("PUT", `/v1/queues/${name}`, {
    backoff: FAST_BACKOFF,
    delivery: { url, secret: SECRET, timeoutSeconds: 5, ...delivery },
    ...settings,
  });
  if (response.status >= 300) throw new Error(`PUT queue failed: ${JSON.stringify(response.body)}`);
  return response.body;
}

export async function publishMany(call: Call, queue: string, bodies: unknown[], extra: Record<string, unknown> = {}) {
  const response = await call("POST", `/v1/queues/${queue}/messages`, {
    messages: bodies.map((body) => ({ body, ...extra })),
  });
  if (response.status !== 201) throw new Error(`publish failed: ${JSON.stringify(response.body)}`);
  return (response.body.messages as Array<{ id: string }>).map((result) => result.id);
}

/** The queue's stats once every message is gone (acked). */
export async function queueIsEmpty(call: Call, queue: string): Promise<boolean> {
  const { body } = await call("GET", `/v1/queues/${queue}`);
  const stats = body.stats as { ready: number; delayed: number; leased: number; grouped: number; dead: number };
  return stats.ready + stats.delayed + stats.leased + stats.grouped + stats.dead === 0;
}
