interface Waiter {
  wake: () => void;
  timer: ReturnType<typeof setTimeout>;
}

/**
 * Long-polling receivers parked per queue. A publish wakes as many of them as it added
 * messages (oldest waiter first); a timeout wakes one to re-check for messages whose delay
 * or lease just ran out. `wakeAll` releases everyone for shutdown.
 */
export class Waiters {
  private readonly byQueue = new Map<string, Set<Waiter>>();
  private closed = false;

  /** Resolves after a wake-up, `timeoutMs`, or `signal` aborting, whichever comes first. */
  wait(queue: string, timeoutMs: number, signal?: AbortSignal): Promise<void> {
    if (this.closed || signal?.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const waiters = this.byQueue.get(queue) ?? new Set<Waiter>();
      this.byQueue.set(queue, waiters);
      let woken = false;
      const onAbort = () => waiter.wake();
      const waiter: Waiter = {
        wake: () => {
          // Once only: a second wake must not drop a newer set of waiters for this queue.
          if (woken) return;
          woken = true;
          clearTimeout(waiter.timer);
          signal?.removeEventListener("abort", onAbort);
          waiters.delete(waiter);
          if (waiters.size === 0 && this.byQueue.get(queue) === waiters) this.byQueue.delete(queue);
          resolve();
        },
        timer: setTimeout(() => waiter.wake(), timeoutMs),
      };
      waiters.add(waiter);
      // An aborted receiver leaves at once, so it never takes a wake-up meant for a live one.
      signal?.addEventListener("abort", onAbort, { once: true });
    });
  }

  /** Wakes up to `count` receivers waiting on `queue`. */
  notify(queue: string, count: number): void {
    const waiters = this.byQueue.get(queue);
    if (!waiters) return;
    for (const waiter of [...waiters].slice(0, count)) waiter.wake();
  }

  /** Wakes every receiver and refuses new waits: the server is draining. */
  wakeAll(): void {
    this.closed = true;
    for (const waiters of [...this.byQueue.values()]) for (const waiter of [...waiters]) waiter.wake();
  }

  count(): number {
    let total = 0;
    for (const waiters of this.byQueue.values()) total += waiters.size;
    return total;
  }
}
