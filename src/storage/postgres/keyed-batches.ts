interface Waiting<Request, Result> {
  request: Request;
  resolve: (result: Result) => void;
  reject: (error: unknown) => void;
}

/**
 * Runs the requests of one key (a queue) one batch at a time: while a batch of a key runs, every
 * request of that key arriving meanwhile waits, and then they go together into the next batch.
 * `run` answers each request of a batch, in order; a batch that throws fails each of its
 * requests. `take` says how many of the waiting requests the next batch holds (at least one).
 */
export class KeyedBatches<Request, Result> {
  private readonly waiting = new Map<string, Array<Waiting<Request, Result>>>();

  constructor(
    private readonly run: (key: string, batch: Request[]) => Promise<Result[]>,
    private readonly take: (waiting: readonly Request[]) => number = (waiting) => waiting.length,
  ) {}

  submit(key: string, request: Request): Promise<Result> {
    return new Promise((resolve, reject) => {
      const waiting = this.waiting.get(key);
      if (waiting) {
        waiting.push({ request, resolve, reject });
        return;
      }
      this.waiting.set(key, [{ request, resolve, reject }]);
      // setImmediate, not a microtask: the requests read in this event-loop turn join the first batch.
      setImmediate(() => void this.drain(key));
    });
  }

  private async drain(key: string): Promise<void> {
    for (;;) {
      const waiting = this.waiting.get(key) ?? [];
      if (waiting.length === 0) {
        this.waiting.delete(key);
        return;
      }
      const taken = Math.max(1, this.take(waiting.map((w) => w.request)));
      const batch = waiting.slice(0, taken);
      // The rest stays behind (possibly empty) while this batch runs: later requests queue up on it.
      this.waiting.set(key, waiting.slice(taken));
      try {
        const results = await this.run(
          key,
          batch.map((w) => w.request),
        );
        batch.forEach((w, index) => w.resolve(results[index]!));
      } catch (error) {
        for (const w of batch) w.reject(error);
      }
    }
  }
}
