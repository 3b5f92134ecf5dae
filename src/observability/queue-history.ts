import type { QueueStats } from "../domain/message.ts";

export interface HistorySample {
  at: number;
  ready: number;
  delayed: number;
  leased: number;
  dead: number;
  /** Messages this instance accepted / saw acked since the previous sample. */
  published: number;
  acked: number;
}

const FIELDS = ["at", "ready", "delayed", "leased", "dead", "published", "acked"] as const;

/**
 * A fixed-size ring of samples stored column-wise in one Float64Array, so a queue's history costs
 * the same memory from its first sample on and never grows.
 */
export class SampleRing {
  private readonly data: Float64Array;
  private next = 0;
  private size = 0;

  constructor(readonly capacity: number) {
    this.data = new Float64Array(capacity * FIELDS.length);
  }

  push(sample: HistorySample): void {
    const base = this.next * FIELDS.length;
    FIELDS.forEach((field, i) => (this.data[base + i] = sample[field]));
    this.next = (this.next + 1) % this.capacity;
    this.size = Math.min(this.size + 1, this.capacity);
  }

  /** Oldest first, only those at or after `since`. */
  toArray(since = -Infinity): HistorySample[] {
    const out: HistorySample[] = [];
    const start = (this.next - this.size + this.capacity) % this.capacity;
    for (let k = 0; k < this.size; k++) {
      const base = ((start + k) % this.capacity) * FIELDS.length;
      if (this.data[base]! < since) continue;
      const sample = {} as HistorySample;
      FIELDS.forEach((field, i) => (sample[field] = this.data[base + i]!));
      out.push(sample);
    }
    return out;
  }
}

/**
 * Recent per-queue history (backlog and publish/ack counts) kept in memory, so the console can
 * chart the last hour without Prometheus. Bounded: at most `maxSamples` samples per queue (720 =
 * 60 minutes at the default 5 s stats interval; a shorter window at shorter intervals) and at most
 * `maxQueues` queues (1,000); 7 float64 columns make that 720 × 56 B ≈ 40 KB per queue, ≈ 40 MB at
 * the cap. Queues beyond the cap get no history until a recorded one is deleted.
 */
export class QueueHistory {
  private readonly rings = new Map<string, SampleRing>();
  private lastTotals = new Map<string, { published: number; acked: number }>();

  constructor(
    readonly maxAgeMs = 60 * 60 * 1000,
    readonly maxSamples = 720,
    readonly maxQueues = 1000,
  ) {}

  /**
   * One sample per queue from a stats refresh. `totals` are this instance's running counts, so
   * the deltas are this instance's rates, not the fleet's.
   */
  record(
    at: number,
    rows: readonly { queue: string; stats: QueueStats }[],
    totals: (queue: string) => { published: number; acked: number },
  ): void {
    const live = new Set(rows.map((row) => row.queue));
    for (const queue of this.rings.keys()) if (!live.has(queue)) this.rings.delete(queue);
    const seen = new Map<string, { published: number; acked: number }>();
    for (const { queue, stats } of rows) {
      const now = totals(queue);
      seen.set(queue, now);
      let ring = this.rings.get(queue);
      if (!ring) {
        if (this.rings.size >= this.maxQueues) continue;
        ring = new SampleRing(this.maxSamples);
        this.rings.set(queue, ring);
      }
      const before = this.lastTotals.get(queue);
      ring.push({
        at,
        ready: stats.ready + stats.grouped,
        delayed: stats.delayed,
        leased: stats.leased,
        dead: stats.dead,
        // The first sample has no previous count to subtract from: report nothing rather than a burst.
        published: before ? Math.max(0, now.published - before.published) : 0,
        acked: before ? Math.max(0, now.acked - before.acked) : 0,
      });
    }
    this.lastTotals = seen;
  }

  samples(queue: string, now: number): HistorySample[] {
    return this.rings.get(queue)?.toArray(now - this.maxAgeMs) ?? [];
  }
}
