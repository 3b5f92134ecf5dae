import type { QueueStats } from "./types.ts";

// Backlog over time, per queue, from the stats the console polls anyway: kept in this tab's
// memory, bounded, so charts need neither Prometheus nor a server-side store.

export interface Sample {
  at: number;
  ready: number;
  leased: number;
  dead: number;
}

const KEPT = 180;
const byQueue = new Map<string, Sample[]>();

export function record(queue: string, stats: QueueStats, at = Date.now()): void {
  let samples = byQueue.get(queue);
  if (!samples) {
    samples = [];
    byQueue.set(queue, samples);
  }
  samples.push({ at, ready: stats.ready + stats.delayed + stats.grouped, leased: stats.leased, dead: stats.dead });
  if (samples.length > KEPT) samples.splice(0, samples.length - KEPT);
}

export function history(queue: string): readonly Sample[] {
  return byQueue.get(queue) ?? [];
}
