import { join } from "node:path";
import { startServer, type ServerProcess } from "./spawn-serve.ts";

// Millrace instances of one fleet: each has a fixed address (nginx's upstream lists it), so a
// killed instance can be started again where nginx expects it.

export class FleetInstance {
  server: ServerProcess | null = null;
  /** Output lines of earlier runs of this instance (before a kill), oldest first. */
  readonly earlierLines: string[] = [];

  constructor(
    readonly name: string,
    readonly listen: string,
    private readonly env: Record<string, string>,
    private readonly dir: string,
  ) {}

  get url(): string {
    return `http://${this.listen}`;
  }

  async start(): Promise<void> {
    this.server = await startServer({
      ...this.env,
      MILLRACE_LISTEN: this.listen,
      MILLRACE_DATA_DIR: join(this.dir, this.name),
    });
  }

  /** SIGKILL: no drain, no goodbye to PostgreSQL (its sessions die with the process). */
  async kill(): Promise<void> {
    const server = this.server;
    if (!server) return;
    server.proc.kill("SIGKILL");
    await server.proc.exited;
    this.earlierLines.push(...server.lines);
    this.server = null;
  }

  /** SIGTERM: drains and exits; resolves to the exit code (0 when nothing was running). */
  async stop(): Promise<number> {
    const server = this.server;
    if (!server) return 0;
    const code = await server.stop();
    this.earlierLines.push(...server.lines);
    this.server = null;
    return code;
  }

  lines(): string[] {
    return [...this.earlierLines, ...(this.server?.lines ?? [])];
  }

  /** /health's `leader`, asked of the instance directly (not through nginx); false when it is down. */
  async leads(): Promise<boolean> {
    if (!this.server) return false;
    try {
      const response = await fetch(`${this.url}/health`);
      return ((await response.json()) as { leader?: boolean }).leader === true;
    } catch {
      return false;
    }
  }

  async ready(): Promise<boolean> {
    if (!this.server) return false;
    return fetch(`${this.url}/health/ready`).then(
      (response) => response.status === 200,
      () => false,
    );
  }
}

/** Resolves once `count()` reaches `target`, checked whenever `notify` is called. */
export class Milestones {
  private waiting: Array<{ target: number; resolve: () => void }> = [];
  constructor(private readonly count: () => number) {}
  reached(target: number): Promise<void> {
    return new Promise((resolve) => {
      this.waiting.push({ target, resolve });
      this.notify();
    });
  }
  notify(): void {
    const now = this.count();
    this.waiting = this.waiting.filter((w) => (now >= w.target ? (w.resolve(), false) : true));
  }
}
