interface Waiter {
  wake: () => void;
  timer: ReturnType<typeof setTimeout>;
  /** The most messages this receiver takes when it wakes. */
  max: number;
}

/**
 * Long-polling receivers parked per queue. A publish wakes receivers, oldest first, until their
 * `max` together covers the messages it added; a timeout wakes one to re-check for messages whose
 * delay or lease just ran out. `wakeAll` releases everyone for shutdown.
 */
export class Waiters {
  private readonly byQueue = new Map<string, Set<Waiter>>();
  /**
   * Per queue, the room left in the receivers woken this turn: how many more messages their
   * receives, not sent yet, will take beyond those they were woken for. The notifications of one
   * commit arrive one publish at a time within a turn; without this each woke another receiver,
   * and all but the first leased nothing (3 of 5 leases came back empty with 4 consumers at
   * 5k msg/s, bench/e2e-latency.ts). Cleared at the end of the turn: receives sent by then see
   * every message notified before them, and later notifications wake receivers of their own.
   */
  private readonly room = new Map<string, number>();
  private closed = false;

  /** Resolves after a wake-up, `timeoutMs`, or `signal` aborting, whichever comes first. */
  wait(queue: string, timeoutMs: number, max: number, signal?: AbortSignal): Promise<void> {
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
        max,
      };
      waiters.add(waiter);
      // An aborted receiver leaves at once, so it never takes a wake-up meant for a live one.
      signal?.addEventListener("abort", onAbort, { once: true });
    });
  }

  /** `count` messages became ready on `queue`: wakes receivers, oldest first, until they cover them. */
  notify(queue: string, count: number): void {
    const room = this.room.get(queue) ?? 0;
    if (room >= count) {
      this.room.set(queue, room - count);
      return;
    }
    let uncovered = count - room;
    this.room.delete(queue);
    const waiters = this.byQueue.get(queue);
    if (!waiters) return;
    for (const waiter of [...waiters]) {
      if (uncovered <= 0) break;
      waiter.wake();
      uncovered -= waiter.max;
    }
    if (uncovered < 0) {
      if (this.room.size === 0) setImmediate(() => this.room.clear());
      this.room.set(queue, -uncovered);
    }
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
