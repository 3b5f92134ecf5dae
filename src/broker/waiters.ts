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

  /** Resolves after a wake-up or `timeoutMs`, whichever comes first. */
  wait(queue: string, timeoutMs: number): Promise<void> {
    if (this.closed) return Promise.resolve();
    return new Promise((resolve) => {
      const waiters = this.byQueue.get(queue) ?? new Set<Waiter>();
      this.byQueue.set(queue, waiters);
      const waiter: Waiter = {
        wake: () => {
          clearTimeout(waiter.timer);
          waiters.delete(waiter);
          if (waiters.size === 0) this.byQueue.delete(queue);
          resolve();
        },
        timer: setTimeout(() => waiter.wake(), timeoutMs),
      };
      waiters.add(waiter);
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
