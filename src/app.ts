import { mkdirSync } from "node:fs";
import type { Authenticator } from "./auth/authenticator.ts";
import { createAuthenticator } from "./auth/create-authenticator.ts";
import { Broker } from "./broker/broker.ts";
import type { Config } from "./config/schema.ts";
import { healthRouteTable, routeTable } from "./http/app.ts";
import type { Phase } from "./http/routes/health.ts";
import { startHttpServers, type HttpServers } from "./http/server.ts";
import { instrumentStore } from "./observability/instrument-store.ts";
import type { Logger } from "./observability/logger.ts";
import { errorContext } from "./observability/logger.ts";
import { MessageCounters } from "./observability/message-counters.ts";
import { createMetrics, type Metrics } from "./observability/metrics.ts";
import { MessagingSpans } from "./observability/tracing/messaging-spans.ts";
import { traceStore } from "./observability/tracing/trace-store.ts";
import { loadTracing } from "./observability/tracing/load-tracing.ts";
import type { Tracing } from "./observability/tracing/tracing.ts";
import { leaseSweeper, retention } from "./services/maintenance.ts";
import type { Service } from "./services/service.ts";
import { QueueHistory } from "./observability/queue-history.ts";
import { StatsRefresher } from "./services/stats-refresher.ts";
import { lockDataDir, type DataDirLock } from "./storage/data-dir-lock.ts";
import { withBackpressure } from "./storage/backpressure.ts";
import { openStore } from "./storage/open-store.ts";
import { sqliteFileIn } from "./storage/sqlite/data-file.ts";
import type { Store } from "./storage/store.ts";
import { COMMIT, VERSION } from "./version.ts";
import { drainAndClose } from "./shutdown.ts";
import { createWebhookSender } from "./webhooks/sender.ts";
import { WebhookWorker } from "./webhooks/worker.ts";
import { startSqsListener } from "./sqs/listener.ts";
import { deadLetterMover } from "./sqs/dead-letter-mover.ts";
import { TokenBucketLimiter } from "./http/plugins/rate-limit.ts";
import { ApiKeyAuthenticator } from "./auth/api-key-authenticator.ts";

/**
 * The composition root: config -> store -> broker -> services -> HTTP.
 * `start()` brings them up in that order; `stop()` drains and takes them down in reverse.
 */
export class App {
  private phase: Phase = "starting";
  private store: Store | null = null;
  private broker: Broker | null = null;
  private services: Service[] = [];
  private http: HttpServers | null = null;
  private authenticator: Authenticator | null = null;
  /** The keys file opened for the SQS listener when /v1 uses JWT. */
  private sqsKeys: ApiKeyAuthenticator | null = null;
  private dataDirLock: DataDirLock | null = null;
  private stopping: Promise<void> | null = null;
  private webhooks: WebhookWorker | null = null;
  readonly metrics: Metrics | null;
  private tracing: Tracing | null = null;

  constructor(
    private readonly config: Config,
    private readonly logger: Logger,
  ) {
    this.metrics = config.metrics ? createMetrics({ version: VERSION, commit: COMMIT, bun: Bun.version }) : null;
  }

  /** The API's base URL once started (the real port when configured with port 0). */
  get url(): string {
    return urlOf(this.http?.api ?? null);
  }

  /** The SQS listener's base URL, when MILLRACE_SQS_LISTEN is set. */
  get sqsUrl(): string {
    return urlOf(this.http?.sqs ?? null);
  }

  /** The metrics listener's base URL, when MILLRACE_METRICS_LISTEN is set. */
  get metricsUrl(): string {
    return urlOf(this.http?.metrics ?? null);
  }

  async start(): Promise<void> {
    const { config, logger, metrics } = this;
    // First, before anything touches the database: one server per data directory. PostgreSQL
    // needs no data directory: several instances share the database by design.
    if (config.databaseUrl === null) {
      mkdirSync(config.dataDir, { recursive: true });
      this.dataDirLock = lockDataDir(config.dataDir);
    }
    const sqlitePath = sqliteFileIn(config.dataDir);
    this.authenticator = await createAuthenticator(config, logger);
    const opened = await openStore(
      {
        databaseUrl: config.databaseUrl,
        sqlitePath,
        postgres: {
          poolSize: config.databasePoolSize,
          connectTimeoutSeconds: config.databaseConnectTimeoutSeconds,
          statementTimeoutMs: config.databaseStatementTimeoutMs,
          caFile: config.databaseCaFile,
        },
      },
      {
        onFatal: (error) => {
          logger.error("the storage engine failed; exiting so the supervisor restarts us", errorContext(error));
          process.exit(70);
        },
        // Once per episode, not per refused request: the operator needs the database's own words once.
        onDiskFull: (databaseError) =>
          logger.error("the data directory is full: writes are refused with 507 and readiness is 503", {
            data_dir: config.dataDir,
            database_error: databaseError,
            action: "free space in the data directory or grow the volume; writes resume by themselves",
          }),
        onDiskRecovered: () => logger.info("the data directory has space again: writes succeed, readiness is back"),
      },
    );
    const gated = withBackpressure(opened.store, config.maxPendingWrites);
    if (metrics) metrics.storePending.read = () => gated.pending.count;
    this.store = metrics ? instrumentStore(gated.store, metrics) : gated.store;
    const tracing = (this.tracing = await loadTracing(config, metrics));
    if (tracing) this.store = traceStore(this.store, tracing.tracer);
    if (opened.migrationsApplied.length > 0)
      logger.info("applied migrations", { migrations: opened.migrationsApplied });
    const counters = metrics ? new MessageCounters(metrics) : null;
    this.broker = new Broker(this.store, undefined, counters ?? undefined, {
      secretOverlapMs: config.webhookSecretOverlapSeconds * 1000,
      spans: tracing ? new MessagingSpans(tracing.tracer) : null,
    });

    this.services = [leaseSweeper(this.store, logger), retention(this.store, logger)];
    const history = metrics ? new QueueHistory() : null;
    if (metrics && counters) {
      const refresher = new StatsRefresher(this.store, metrics, counters, undefined, history);
      this.services.push(refresher.service(config.statsIntervalSeconds * 1000, logger));
    }
    // API-only processes never deliver; worker and all do (DESIGN §1).
    const store = this.store;
    if (config.mode !== "api") {
      this.webhooks = new WebhookWorker({
        store,
        broker: this.broker,
        sender: createWebhookSender({
          allowCidrs: config.webhookAllowCidrs.map((cidr) => cidr.text).join(","),
          userAgent: `millrace/${VERSION}`,
        }),
        logger,
        metrics,
        tracer: tracing?.tracer ?? null,
        circuit: {
          failureThreshold: config.webhookCircuitFailures,
          cooldownMs: config.webhookCircuitCooldownSeconds * 1000,
        },
        clock: () => store.now(),
        concurrency: config.webhookConcurrency,
        owner: this.broker.instanceId,
        // Leave a second of the shutdown budget for releasing leases and closing the database.
        stopBudgetMs: Math.max(0, config.shutdownTimeoutSeconds * 1000 - 1000),
      });
      this.services.push(this.webhooks);
    }
    if (config.sqsListen) this.services.push(deadLetterMover(this.broker, () => store.holdsLeadership(), logger));
    for (const service of this.services) service.start();

    // Worker mode serves no API, but still metrics and health when MILLRACE_METRICS_LISTEN is set.
    if (config.mode !== "worker" || (config.metricsListen && metrics)) {
      const lifecycle = { phase: () => this.phase, services: () => this.services };
      const tables = {
        api: routeTable({
          broker: this.broker,
          lifecycle,
          version: VERSION,
          docs: config.docs,
          ui: config.ui,
          metrics: config.metricsListen ? null : metrics,
          history,
          statsIntervalSeconds: config.statsIntervalSeconds,
        }),
        health: healthRouteTable({ broker: this.broker, lifecycle, version: VERSION }),
      };
      this.http = startHttpServers(config, tables, {
        logger,
        metrics,
        authenticator: this.authenticator,
        tracer: tracing?.tracer ?? null,
      });
      if (config.sqsListen && config.mode !== "worker") this.http.sqs = await this.startSqs(config.sqsListen);
    }
    this.phase = "ready";
    logger.info("millrace ready", {
      version: VERSION,
      commit: COMMIT,
      mode: config.mode,
      listen: this.http?.api ? this.url : null,
      sqs_listen: this.http?.sqs ? this.sqsUrl : null,
      metrics_listen: this.http?.metrics ? this.metricsUrl : null,
      auth: config.auth,
      storage: this.store.dialect,
      data_dir: this.store.dialect === "sqlite" ? config.dataDir : null,
    });
  }

  /** SQS access keys come from the API keys file: the /v1 authenticator's when it reads that file. */
  private async startSqs(listen: NonNullable<Config["sqsListen"]>): Promise<HttpServers["sqs"]> {
    const { config, logger } = this;
    let keys: ApiKeyAuthenticator | null = null;
    if (config.auth !== "none") {
      if (this.authenticator instanceof ApiKeyAuthenticator) keys = this.authenticator;
      else {
        keys = await ApiKeyAuthenticator.open(config.apiKeysFile!, logger);
        keys.watch();
        this.sqsKeys = keys;
      }
    }
    return startSqsListener({
      listen,
      broker: this.broker!,
      keys,
      publicUrl: config.sqsPublicUrl,
      maxBodyBytes: config.maxBodyBytes,
      idleTimeoutSeconds: config.idleTimeoutSeconds,
      logger,
      metrics: this.metrics,
      limiter:
        config.rateLimitPerSecond > 0 ? new TokenBucketLimiter(config.rateLimitPerSecond, config.rateLimitBurst) : null,
      trustedProxies: config.trustedProxies,
      accessLog: config.accessLog,
    });
  }

  /** SIGHUP: re-read the API keys file (and forget cached tokens). */
  async reload(): Promise<void> {
    if (this.authenticator) await this.authenticator.reload();
    if (this.sqsKeys) await this.sqsKeys.reload();
  }

  /** Drains and shuts down within the shutdown timeout (DESIGN §6); safe to call twice. */
  stop(): Promise<void> {
    this.stopping ??= drainAndClose({
      logger: this.logger,
      timeoutMs: this.config.shutdownTimeoutSeconds * 1000,
      delayMs: this.config.shutdownDelaySeconds * 1000,
      enterDraining: () => {
        this.phase = "draining";
        this.webhooks?.drain();
      },
      http: this.http,
      broker: this.broker,
      services: this.services,
      close: async () => {
        this.authenticator?.close();
        this.sqsKeys?.close();
        await this.store?.close();
        // Queued spans get one short try: a collector that is away must not hold up the exit.
        if (this.tracing) await withinMs(this.tracing.shutdown(), 2000);
        this.dataDirLock?.release();
      },
    });
    return this.stopping;
  }
}

function urlOf(server: { hostname?: string | undefined; port?: number | undefined } | null): string {
  if (!server) throw new Error("that listener is not running");
  const host = server.hostname?.includes(":") ? `[${server.hostname}]` : server.hostname;
  return `http://${host}:${server.port}`;
}

/** Waits for `work` at most `ms`, without keeping the process alive for the timer. */
function withinMs(work: Promise<unknown>, ms: number): Promise<unknown> {
  return Promise.race([work.catch(() => undefined), new Promise((resolve) => setTimeout(resolve, ms).unref())]);
}
