// What every scenario measures with: wrk, CPU time by thread from /proc, RSS, and the median of
// repeated runs with its spread (this machine is shared, so one run says little).
import type { Subprocess } from "bun";
import { readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";

export const ROOT = resolve(import.meta.dir, "../..");
export const CONNECTIONS = 64;

export function log(text: string): void {
  console.error(`[bench] ${text}`);
}

/** Polls `url` until it answers `status` (any status when null); returns the milliseconds taken. */
export async function waitReady(url: string, child: Subprocess, status: number | null = 200): Promise<number> {
  const started = performance.now();
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${url} exited with ${child.exitCode} before it was ready`);
    try {
      const response = await fetch(url);
      if (status === null || response.status === status) return performance.now() - started;
    } catch {
      // not yet listening
    }
    await Bun.sleep(2);
  }
}

export function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const match = /VmRSS:\s+(\d+) kB/.exec(status);
  return match ? Number(match[1]) / 1024 : NaN;
}

/** CPU seconds each thread of a process has used so far, by thread name (Linux /proc). */
export function threadCpuSeconds(pid: number): Map<string, number> {
  const ticksPerSecond = 100; // USER_HZ on Linux
  const totals = new Map<string, number>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const name = readFileSync(`/proc/${pid}/task/${tid}/comm`, "utf8").trim();
      const fields = readFileSync(`/proc/${pid}/task/${tid}/stat`, "utf8").split(") ")[1]!.split(" ");
      // utime and stime are fields 14 and 15 of stat, i.e. 11 and 12 after the command name.
      const seconds = (Number(fields[11]) + Number(fields[12])) / ticksPerSecond;
      totals.set(name, (totals.get(name) ?? 0) + seconds);
    } catch {
      // the thread ended between listing and reading
    }
  }
  return totals;
}

/**
 * Bytes the processes have caused to be written to disk so far (/proc/<pid>/io write_bytes,
 * counted when a page is dirtied): for SQLite the WAL's frames and the checkpoints' copies, for
 * Redis its AOF. Each commit writes whole pages, so this shows what a durable message costs the disk.
 */
export function diskWriteBytes(pids: number[]): number {
  let total = 0;
  for (const pid of pids) {
    const match = /^write_bytes: (\d+)$/m.exec(readFileSync(`/proc/${pid}/io`, "utf8"));
    if (!match) throw new Error(`/proc/${pid}/io has no write_bytes line; the kernel lacks task I/O accounting`);
    total += Number(match[1]);
  }
  return total;
}

/** CPU seconds of the process and all its descendants' threads, by "process:thread" (peers' servers). */
export function processCpuSeconds(pids: number[]): Map<string, number> {
  const totals = new Map<string, number>();
  for (const pid of pids) {
    let name = String(pid);
    try {
      name = readFileSync(`/proc/${pid}/comm`, "utf8").trim();
    } catch {
      continue;
    }
    for (const [, seconds] of threadCpuSeconds(pid)) totals.set(name, (totals.get(name) ?? 0) + seconds);
  }
  return totals;
}

/** Microseconds of CPU per message by thread (or process) between two readings; only the >= 1 µs ones. */
export function cpuMicrosPerMessage(
  before: Map<string, number>,
  after: Map<string, number>,
  messages: number,
): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [name, total] of after) {
    const micros = ((total - (before.get(name) ?? 0)) / messages) * 1e6;
    if (micros >= 1) out[name] = Math.round(micros * 10) / 10;
  }
  return out;
}

export interface WrkResult {
  requests: number;
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
  non2xx: number;
  /** Server CPU per request by thread, when the server's pid was given. */
  cpuMicros: Record<string, number>;
  /** Bytes the server wrote to disk per request (diskWriteBytes), when its pid was given; else NaN. */
  diskBytes: number;
}

export async function wrk(
  url: string,
  script: string,
  seconds: number,
  serverPid?: number,
  headers: Record<string, string> = {},
): Promise<WrkResult> {
  const before = serverPid ? threadCpuSeconds(serverPid) : new Map<string, number>();
  const diskBefore = serverPid ? diskWriteBytes([serverPid]) : NaN;
  const headerArgs = Object.entries(headers).flatMap(([name, value]) => ["-H", `${name}: ${value}`]);
  const child = Bun.spawn(
    [
      "wrk",
      "-t1",
      `-c${CONNECTIONS}`,
      `-d${seconds}s`,
      "--latency",
      ...headerArgs,
      "-s",
      join(ROOT, "bench/wrk", script),
      url,
    ],
    { stdout: "pipe", stderr: "inherit" },
  );
  const output = await new Response(child.stdout).text();
  if ((await child.exited) !== 0) throw new Error(`wrk failed:\n${output}`);
  const after = serverPid ? threadCpuSeconds(serverPid) : new Map<string, number>();
  const diskAfter = serverPid ? diskWriteBytes([serverPid]) : NaN;
  const number = (pattern: RegExp) => Number(pattern.exec(output)?.[1] ?? NaN);
  const latency = (label: string) => {
    const match = new RegExp(`${label}%\\s+([\\d.]+)(us|ms|s)`).exec(output);
    if (!match) return NaN;
    const value = Number(match[1]);
    return match[2] === "us" ? value / 1000 : match[2] === "s" ? value * 1000 : value;
  };
  const requests = number(/(\d+) requests in/);
  const non2xx = number(/NON201 (\d+)/);
  if (non2xx > 0) throw new Error(`${url} answered ${non2xx} non-2xx responses under wrk; the run is void`);
  return {
    requests,
    perSecond: number(/Requests\/sec:\s+([\d.]+)/),
    p50Ms: latency("50"),
    p99Ms: latency("99"),
    non2xx,
    cpuMicros: cpuMicrosPerMessage(before, after, requests),
    diskBytes: (diskAfter - diskBefore) / requests,
  };
}

/** Median, min and max of repeated runs; figures are medians, the spread is shown beside them. */
export interface Spread {
  median: number;
  min: number;
  max: number;
  runs: number[];
}

export function spread(values: number[]): Spread {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  const median = sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
  return { median, min: sorted[0]!, max: sorted[sorted.length - 1]!, runs: values };
}

/** The per-thread CPU figures of several runs, as the median per thread. */
export function medianCpu(runs: Array<Record<string, number>>): Record<string, number> {
  const names = new Set(runs.flatMap((run) => Object.keys(run)));
  const out: Record<string, number> = {};
  for (const name of names) out[name] = spread(runs.map((run) => run[name] ?? 0)).median;
  return out;
}

/** Runs `once` `times` times and summarises its throughput, keeping each run's details. */
export async function repeat<T extends { perSecond: number }>(
  times: number,
  once: () => Promise<T>,
): Promise<{ perSecond: Spread; details: T[] }> {
  const details: T[] = [];
  for (let i = 0; i < times; i++) details.push(await once());
  return { perSecond: spread(details.map((d) => d.perSecond)), details };
}

/** Samples a process's RSS every 100 ms while `work` runs; returns the peak. */
export async function peakRss<T>(pid: number, work: () => Promise<T>): Promise<{ result: T; peakMb: number }> {
  let peakMb = rssMb(pid);
  const timer = setInterval(() => (peakMb = Math.max(peakMb, rssMb(pid))), 100);
  try {
    return { result: await work(), peakMb };
  } finally {
    clearInterval(timer);
  }
}

/** Runs a bench client script to its end and parses the JSON it prints last. */
export async function runClient<T>(args: string[], env: Record<string, string>, cwd = ROOT): Promise<T> {
  const child = Bun.spawn([process.execPath, ...args], {
    cwd,
    env: { ...process.env, ...env },
    stdout: "pipe",
    stderr: "inherit",
  });
  const output = await new Response(child.stdout).text();
  if ((await child.exited) !== 0) throw new Error(`${args.join(" ")} failed: ${output}`);
  const lines = output.trim().split("\n");
  return JSON.parse(lines[lines.length - 1]!) as T;
}
