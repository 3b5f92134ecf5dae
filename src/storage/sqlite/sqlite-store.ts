import { BrokerError } from "../../domain/errors.ts";
import { LocalNotifier } from "../local-notifier.ts";
import type { Store, WriteHealth } from "../store.ts";
import { AGGREGATES, type Aggregate } from "./engine.ts";
import { encodeBatch, type FromWriter, type Operation, type ToWriter } from "./protocol.ts";

// scripts/build-binary defines this: inside a `bun build --compile` binary the writer is an extra
// entrypoint stored under its path relative to src/, not next to this (bundled) module.
declare const MILLRACE_COMPILED_WRITER_WORKER: string | undefined;

function writerWorkerSpecifier(): string {
  return typeof MILLRACE_COMPILED_WRITER_WORKER === "string"
    ? MILLRACE_COMPILED_WRITER_WORKER
    : new URL("./writer-worker.ts", import.meta.url).href;
}

interface PendingOperation {
  operation: Operation;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

export interface SqliteStoreOptions {
  /** Absolute path of the database file. */
  path: string;
  /** Called once if the writer thread dies; the store is unusable afterwards. */
  onFatal?: (error: Error) => void;
  /** Called once per disk-full episode, with the database's own error, and again when it ends. */
  onDiskFull?: (databaseError: string) => void;
  onDiskRecovered?: () => void;
}

/**
 * The SQLite driver as seen from the main thread. Calls made in one event-loop turn travel to the
 * writer thread as one batch; batches are pipelined (never waiting for the previous commit), and
 * the writer folds every batch that arrived during a commit into the next transaction.
 */
export class SqliteStore implements Store {
  readonly dialect = "sqlite" as const;
  /** One process owns the file (the data-directory lock), so wake-ups stay in process. */
  readonly notifier = new LocalNotifier();
  readonly queues!: Store["queues"];
  readonly messages!: Store["messages"];
  readonly deadLetters!: Store["deadLetters"];
  readonly topics!: Store["topics"];
  readonly maintenance!: Store["maintenance"];
  readonly deliveries!: Store["deliveries"];

  private readonly worker: Worker;
  private waiting: PendingOperation[] = [];
  /** Sent batches awaiting results, oldest first; the writer answers in order. */
  private inFlight: PendingOperation[][] = [];
  private flushScheduled = false;
  private failure: Error | null = null;
  private diskFull: { since: number; error: string } | null = null;
  private lifecycleWaiter: { type: FromWriter["type"]; resolve: (m: FromWriter) => void } | null = null;

  private constructor(private readonly options: SqliteStoreOptions) {
    this.worker = new Worker(writerWorkerSpecifier());
    // Messages travel as JSON text: measured cheaper than structured clone for these small records.
    this.worker.onmessage = (event: MessageEvent<string>) => this.onWriterMessage(JSON.parse(event.data) as FromWriter);
    this.worker.onerror = (event) => this.fail(new Error(`the SQLite writer thread crashed: ${event.message}`));
    for (const aggregate of AGGREGATES) {
      Object.defineProperty(this, aggregate, { value: this.aggregateProxy(aggregate), enumerable: true });
    }
  }

  /** Starts the writer thread, opens the file and applies pending migrations. */
  static async open(options: SqliteStoreOptions): Promise<{ store: SqliteStore; migrationsApplied: string[] }> {
    const store = new SqliteStore(options);
    const opened = await store.request({ type: "open", path: options.path }, "opened");
    if (opened.type !== "opened") {
      store.worker.terminate();
      throw new Error(
        `cannot open the SQLite database at ${options.path}: ${opened.type === "fatal" ? opened.message : "unexpected reply"}`,
      );
    }
    return { store, migrationsApplied: opened.migrationsApplied };
  }

  /** One machine, one clock. */
  now(): number {
    return Date.now();
  }

  /** The only process on the file leads itself. */
  holdsLeadership(): Promise<boolean> {
    return Promise.resolve(true);
  }

  async ping(): Promise<void> {
    await this.call("ping", []);
  }

  async writeHealth(): Promise<WriteHealth> {
    // While the disk is full nothing else may write (readiness sends traffic away), so try a
    // write of our own to notice that space came back.
    if (this.diskFull) await this.call("probeWrite", []).catch(() => undefined);
    const episode = this.diskFull;
    return episode ? { writable: false, reason: "disk_full", since: episode.since } : { writable: true };
  }

  async close(): Promise<void> {
    while (this.inFlight.length > 0 || this.waiting.length > 0) await new Promise((resolve) => setTimeout(resolve, 5));
    if (!this.failure) await this.request({ type: "close" }, "closed");
    this.worker.terminate();
  }

  private aggregateProxy(aggregate: Aggregate): object {
    // One function per method, made on first use: a call costs a map lookup, not a new closure and name.
    const methods = new Map<string, (...args: unknown[]) => Promise<unknown>>();
    return new Proxy(
      {},
      {
        get: (_target, method) => {
          if (typeof method !== "string") return undefined;
          let fn = methods.get(method);
          if (!fn) {
            const op = `${aggregate}.${method}`;
            fn = (...args: unknown[]) => this.call(op, args);
            methods.set(method, fn);
          }
          return fn;
        },
      },
    );
  }

  private call(op: string, args: unknown[]): Promise<unknown> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.waiting.push({ operation: [op, args], resolve, reject });
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        // setImmediate, not a microtask: lets every request already read in this turn join the batch.
        setImmediate(() => {
          this.flushScheduled = false;
          this.flush();
        });
      }
    });
  }

  private flush(): void {
    if (this.waiting.length === 0) return;
    const batch = this.waiting;
    this.waiting = [];
    this.inFlight.push(batch);
    this.worker.postMessage(encodeBatch(batch.map((pending) => pending.operation)));
  }

  private onWriterMessage(message: FromWriter): void {
    if (message.type === "results") {
      for (const results of message.batches) {
        const batch = this.inFlight.shift() ?? [];
        results.forEach((result, index) => {
          const pending = batch[index];
          if (!pending) return;
          if (result.ok) pending.resolve(result.value);
          else pending.reject(BrokerError.fromJSON(result.error));
        });
      }
      for (const [queue, count] of message.ready) this.notifier.notify(queue, count);
      return;
    }
    if (message.type === "disk") {
      this.onDiskMessage(message.full, message.error);
      return;
    }
    if (message.type === "fatal" && !this.lifecycleWaiter) {
      this.fail(new Error(message.message));
      return;
    }
    const waiter = this.lifecycleWaiter;
    this.lifecycleWaiter = null;
    waiter?.resolve(message);
  }

  private onDiskMessage(full: boolean, error: string | null): void {
    if (full) {
      this.diskFull = { since: Date.now(), error: error ?? "disk full" };
      this.options.onDiskFull?.(this.diskFull.error);
    } else if (this.diskFull) {
      this.diskFull = null;
      this.options.onDiskRecovered?.();
    }
  }

  private request(message: ToWriter, expect: FromWriter["type"]): Promise<FromWriter> {
    return new Promise((resolve) => {
      this.lifecycleWaiter = { type: expect, resolve };
      this.post(message);
    });
  }

  private post(message: ToWriter): void {
    this.worker.postMessage(JSON.stringify(message));
  }

  private fail(error: Error): void {
    if (this.failure) return;
    this.failure = error;
    for (const pending of [...this.inFlight.flat(), ...this.waiting]) pending.reject(error);
    this.inFlight = [];
    this.waiting = [];
    this.options.onFatal?.(error);
  }
}
