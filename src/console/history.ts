import type { QueueStats } from "./types.ts";

// Backlog over time, per queue. The server keeps the last hour in memory (GET /v1/queues/{q}/history,
// one sample per stats refresh); the console adopts it and appends the stats it polls anyway, so a
// chart starts full and stays current. Bounded here too.

export interface Sample {
  at: number;
  ready: number;
  leased: number;
  dead: number;
}

/** A sample with the server's publish/ack rates (per second, as seen by the instance answering). */
export interface RateSample {
  at: number;
  published: number;
  acked: number;
}

/** The body of GET /v1/queues/{q}/history. */
export interface ServerHistory {
  intervalSeconds: number;
  samples: Array<{
    at: string;
    ready: number;
    delayed: number;
    leased: number;
    dead: number;
    published: number;
    acked: number;
  }>;
}

const KEPT = 900;
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

/** Takes the server's history for `queue`, when it has any, in place of what this tab polled before it. */
export function adopt(queue: string, server: ServerHistory): void {
  if (server.samples.length === 0) return;
  const samples = server.samples.map((s) => ({
    at: Date.parse(s.at),
    ready: s.ready + s.delayed,
    leased: s.leased,
    dead: s.dead,
  }));
  // Keep what this tab polled after the server's last sample, so the line does not step back.
  const last = samples.at(-1)!.at;
  const newer = (byQueue.get(queue) ?? []).filter((s) => s.at > last);
  byQueue.set(queue, [...samples, ...newer].slice(-KEPT));
}

/** Per-second rates from the server's per-sample deltas. */
export function rates(server: ServerHistory): RateSample[] {
  return server.samples.map((s) => ({
    at: Date.parse(s.at),
    published: s.published / server.intervalSeconds,
    acked: s.acked / server.intervalSeconds,
  }));
}

export function history(queue: string): readonly Sample[] {
  return byQueue.get(queue) ?? [];
}
