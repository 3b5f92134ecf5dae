import type { Logger } from "../observability/logger.ts";
import { errorContext } from "../observability/logger.ts";

/** Every background service: started once by the app, stopped once during shutdown. */
export interface Service {
  readonly name: string;
  start(): void;
  /** Resolves after any run in progress has finished; no run starts afterwards. */
  stop(): Promise<void>;
  isRunning(): boolean;
}

/** A service that runs `task` every `intervalMs`, never overlapping itself. */
export class PeriodicService implements Service {
  private timer: ReturnType<typeof setTimeout> | null = null;
  private current: Promise<void> | null = null;
  private running = false;

  constructor(
    readonly name: string,
    private readonly intervalMs: number,
    private readonly task: () => Promise<void>,
    private readonly logger: Logger,
  ) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.schedule();
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

  private schedule(): void {
    if (!this.running) return;
    this.timer = setTimeout(() => {
      this.current = this.task()
        .catch((error: unknown) => this.logger.error(`${this.name} failed; it will retry`, errorContext(error)))
        .finally(() => {
          this.current = null;
          this.schedule();
        });
    }, this.intervalMs);
  }
}
