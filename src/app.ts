import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Server } from "bun";
import { Broker } from "./broker/broker.ts";
import type { Config } from "./config/schema.ts";
import { buildHttpApp } from "./http/app.ts";
import type { Phase } from "./http/routes/health.ts";
import type { Logger } from "./observability/logger.ts";
import { errorContext } from "./observability/logger.ts";
import { leaseSweeper, retention } from "./services/maintenance.ts";
import type { Service } from "./services/service.ts";
import { openStore } from "./storage/open-store.ts";
import type { Store } from "./storage/store.ts";
import { COMMIT, VERSION } from "./version.ts";

export const SQLITE_FILE_NAME = "millrace.db";

/**
 * The composition root: config -> store -> broker -> services -> HTTP.
 * `start()` brings them up in that order; `stop()` drains and takes them down in reverse.
 */
export class App {
  private phase: Phase = "starting";
  private store: Store | null = null;
  private broker: Broker | null = null;
  private services: Service[] = [];
  private server: Server<unknown> | null = null;
  private stopping: Promise<void> | null = null;

  constructor(
    private readonly config: Config,
    private readonly logger: Logger,
  ) {}

  /** The API's base URL once started (the real port when configured with port 0). */
  get url(): string {
    if (!this.server) throw new Error("the app is not started");
    const host = this.server.hostname?.includes(":") ? `[${this.server.hostname}]` : this.server.hostname;
    return `http://${host}:${this.server.port}`;
  }

  async start(): Promise<void> {
    const { config, logger } = this;
    mkdirSync(config.dataDir, { recursive: true });
    const sqlitePath = join(config.dataDir, SQLITE_FILE_NAME);
    const opened = await openStore({ databaseUrl: config.databaseUrl, sqlitePath }, (error) => {
      logger.error("the storage engine failed; exiting so the supervisor restarts us", errorContext(error));
      process.exit(70);
    });
    this.store = opened.store;
    if (opened.migrationsApplied.length > 0)
      logger.info("applied migrations", { migrations: opened.migrationsApplied });
    this.broker = new Broker(this.store);

    this.services = [leaseSweeper(this.store, logger), retention(this.store, logger)];
    for (const service of this.services) service.start();

    if (config.mode !== "worker") {
      const http = buildHttpApp({
        broker: this.broker,
        logger,
        lifecycle: { phase: () => this.phase },
        version: VERSION,
        maxBodyBytes: config.maxBodyBytes,
        docs: config.docs,
      });
      http.listen({
        hostname: config.listen.host,
        port: config.listen.port,
        // Elysia turns both on by default. reusePort would let a second instance share the port
        // silently instead of failing; development mode would serve Bun's debug error pages.
        reusePort: false,
        development: false,
        idleTimeout: config.idleTimeoutSeconds,
        // Bun answers an empty 413 past its own limit; keep it above ours so clients get the
        // JSON error from the HTTP layer, and only runaway chunked bodies hit Bun's.
        maxRequestBodySize: config.maxBodyBytes * 2,
      });
      this.server = http.server;
    }
    this.phase = "ready";
    logger.info("millrace ready", {
      version: VERSION,
      commit: COMMIT,
      mode: config.mode,
      listen: this.server ? this.url : null,
      storage: this.store.dialect,
      data_dir: this.store.dialect === "sqlite" ? config.dataDir : null,
    });
  }

  /** Drains and shuts down within the shutdown timeout (DESIGN §6); safe to call twice. */
  stop(): Promise<void> {
    this.stopping ??= this.drainAndClose();
    return this.stopping;
  }

  private async drainAndClose(): Promise<void> {
    const { logger } = this;
    const deadline = Date.now() + this.config.shutdownTimeoutSeconds * 1000;
    this.phase = "draining";
    logger.info("shutdown: readiness now answers 503");

    if (this.server) {
      const closed = this.server.stop(false);
      logger.info("shutdown: stopped accepting connections");
      this.broker?.drain();
      logger.info("shutdown: waiting long-polls released");
      const finished = await withDeadline(closed, deadline);
      if (!finished) {
        logger.warn("shutdown: requests still running at the timeout; closing their connections");
        await this.server.stop(true);
      } else {
        logger.info("shutdown: in-flight requests finished");
      }
    } else {
      this.broker?.drain();
    }

    await Promise.all(this.services.map((service) => service.stop()));
    logger.info("shutdown: background services stopped");
    await this.store?.close();
    logger.info("shutdown: database closed; bye");
  }
}

async function withDeadline(promise: Promise<unknown>, deadline: number): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timedOut = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), Math.max(0, deadline - Date.now()));
  });
  try {
    return await Promise.race([promise.then(() => true as const), timedOut]);
  } finally {
    clearTimeout(timer);
  }
}
