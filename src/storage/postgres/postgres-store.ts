import { SQL } from "bun";
import type { Store, WriteHealth } from "../store.ts";
import { DatabaseClock } from "./database-clock.ts";
import { PgDatabase, TransitionCounter } from "./db.ts";
import { PgDeadLetterStore } from "./dead-letter-store.ts";
import { PgDeliveryStore } from "./delivery-store.ts";
import { withDeadline } from "./deadline.ts";
import { Leadership } from "./leadership.ts";
import { PgMaintenanceStore } from "./maintenance-store.ts";
import { PgMessageStore } from "./message-store.ts";
import { migratePostgres } from "./migrate.ts";
import { PgNotifier } from "./pg-notifier.ts";
import { PgQueueStore } from "./queue-store.ts";
import { clientTls, describeTlsFailure } from "./tls.ts";
import { PgTopicStore } from "./topic-store.ts";

export interface PostgresStoreOptions {
  /** postgres://user:password@host:port/database */
  url: string;
  /** Connections in the pool (besides the LISTEN and leadership connections). */
  poolSize: number;
  connectTimeoutSeconds: number;
  /** Server-side limit for any one statement, so a request never hangs on a stuck database. */
  statementTimeoutMs: number;
  /** PEM file of the CA that signed the server's certificate (sslmode=verify-full); null: the system's CAs. */
  caFile?: string | null;
  /** This machine's clock, from which the database's is derived; tests pass a skewed one. */
  localClock?: () => number;
}

/**
 * The PostgreSQL driver: several instances share one database. Every aggregate's SQL runs on a
 * pool of Bun's built-in client; wake-ups travel by LISTEN/NOTIFY, leadership is an advisory
 * lock, and time is the database's clock (see database-clock.ts).
 */
export class PostgresStore implements Store {
  readonly dialect = "postgres" as const;
  readonly queues: Store["queues"];
  readonly messages: Store["messages"];
  readonly deadLetters: Store["deadLetters"];
  readonly topics: Store["topics"];
  readonly maintenance: Store["maintenance"];
  readonly deliveries: Store["deliveries"];
  readonly notifier: PgNotifier;
  private readOnlySince: number | null = null;

  private constructor(
    private readonly sql: SQL,
    private readonly clock: DatabaseClock,
    private readonly leadership: Leadership,
    /** How long one operation may wait for the database: a statement, a connection, and a second. */
    private readonly deadlineMs: number,
  ) {
    const counter = new TransitionCounter();
    this.notifier = new PgNotifier(sql);
    const db = new PgDatabase(sql, counter, (queue, n) => this.notifier.notify(queue, n));
    this.queues = this.guarded(new PgQueueStore(db));
    this.messages = this.guarded(new PgMessageStore(db));
    this.deadLetters = this.guarded(new PgDeadLetterStore(db));
    this.topics = this.guarded(new PgTopicStore(db));
    this.maintenance = this.guarded(new PgMaintenanceStore(db, counter));
    this.deliveries = this.guarded(new PgDeliveryStore(db));
  }

  /** Connects, applies pending migrations (under an advisory lock), and starts the clock and the listener. */
  static async open(options: PostgresStoreOptions): Promise<{ store: PostgresStore; migrationsApplied: string[] }> {
    const tls = clientTls(options.caFile);
    const sql = new SQL({
      ...tls,
      url: options.url,
      max: options.poolSize,
      connectionTimeout: options.connectTimeoutSeconds,
      idleTimeout: 60,
      connection: { statement_timeout: options.statementTimeoutMs },
    });
    let store: PostgresStore | null = null;
    try {
      const migrationsApplied = await migratePostgres(sql);
      const clock = await DatabaseClock.start(sql, options.localClock);
      const deadlineMs = options.statementTimeoutMs + options.connectTimeoutSeconds * 1000 + 1000;
      const leadership = new Leadership(options.url, tls, options.connectTimeoutSeconds, deadlineMs);
      store = new PostgresStore(sql, clock, leadership, deadlineMs);
      await store.notifier.start();
      return { store, migrationsApplied };
    } catch (error) {
      if (store) await store.close().catch(() => undefined);
      else await sql.close().catch(() => undefined);
      const reason = describeTlsFailure(error) ?? (error as Error).message;
      throw new Error(`cannot open the PostgreSQL database: ${reason}`, { cause: error });
    }
  }

  now(): number {
    return this.clock.now();
  }

  holdsLeadership(): Promise<boolean> {
    return this.leadership.holds();
  }

  async ping(): Promise<void> {
    await withDeadline(this.deadlineMs, () => this.sql`SELECT 1`);
  }

  /** Writable unless the server refuses writes (a standby, or default_transaction_read_only). */
  async writeHealth(): Promise<WriteHealth> {
    const [row] = (await withDeadline(
      this.deadlineMs,
      () => this.sql`SELECT pg_is_in_recovery() OR current_setting('transaction_read_only') = 'on' AS read_only`,
    )) as Array<{ read_only: boolean }>;
    if (row?.read_only !== true) {
      this.readOnlySince = null;
      return { writable: true };
    }
    this.readOnlySince ??= Date.now();
    return { writable: false, reason: "read_only", since: this.readOnlySince };
  }

  async close(): Promise<void> {
    this.clock.stop();
    await this.notifier.close();
    await this.leadership.close();
    await this.sql.close();
  }

  /** The aggregate with every method run by `withDeadline`. */
  private guarded<T extends object>(target: T): T {
    const deadlineMs = this.deadlineMs;
    return new Proxy(target, {
      get(object, property, receiver) {
        const value: unknown = Reflect.get(object, property, receiver);
        if (typeof value !== "function") return value;
        return (...args: unknown[]) =>
          withDeadline(deadlineMs, () => (value as (...a: unknown[]) => Promise<unknown>).apply(object, args));
      },
    });
  }
}
