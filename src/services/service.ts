import type { Logger } from "../observability/logger.ts";
import { errorContext } from "../observability/logger.ts";

/** Every background service: started once by the app, stopped once during shutdown. */
export interface Service {
  readonly name: string;
  start(): void;
  /** Resolves after any run in progress has finished; no run starts afterwards. */
  stop(): Promise<void>;
  isRunning(): boolean;
  /** The last run's failure, or null when it succeeded (or none ran yet); shown by /health. */
  lastError(): string | null;
}

/** A service that runs `task` every `intervalMs`, never overlapping itself. */
export class PeriodicService implements Service {
  private timer: ReturnType<typeof setTimeout> | null = null;
  private current: Promise<void> | null = null;
  private running = false;
  private failure: string | null = null;

  constructor(
    readonly name: string,
    private readonly intervalMs: number,
    private readonly task: () => Promise<void>,
    private readonly logger: Logger,
    /** Delay before the first run; the interval by default. */
    private readonly firstRunMs: number = intervalMs,
  ) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.schedule(this.firstRunMs);
  }

  async stop(): Promise<void> {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.current;
  }

  isRunning(): boolean {
    return this.running;
  }

  lastError(): string | null {
    return this.failure;
  }

  private schedule(delayMs: number = this.intervalMs): void {
    if (!this.running) return;
    this.timer = setTimeout(() => {
      this.current = this.task()
        .then(
          () => {
            this.failure = null;
          },
          (error: unknown) => {
            const message = error instanceof Error ? error.message : String(error);
            // A failure that repeats every run (a full disk, a lost database) is logged when it
            // starts, not once a second; a full disk is already logged once by the store.
            const repeated = message === this.failure;
            this.failure = message;
            if (!repeated && !isDiskFull(error)) {
              this.logger.error(`${this.name} failed; it will retry`, errorContext(error));
            }
          },
        )
        .finally(() => {
          this.current = null;
          this.schedule();
        });
    }, delayMs);
  }
}

function isDiskFull(error: unknown): boolean {
  return typeof error === "object" && error !== null && "code" in error && error.code === "disk_full";
}
