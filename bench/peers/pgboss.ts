// pg-boss, driven the way its documentation recommends: send with 64 in flight, insert of 100,
// and work() with the batch size given. Prints one JSON line: { perSecond, messages, ... }.
// Env: DATABASE_URL (a fresh database), MODE (send | insert | process), DURATION_S,
// MESSAGES (process), BATCH and WORKERS (process). Run from bench/peers, where `npm ci` installed pg-boss.
import { EVENT } from "../lib/message.ts";

// pg-boss is not a dependency of Millrace: the few calls used here are declared, and the module
// is loaded by name at run time.
interface Boss {
  on(event: "error", listener: (error: unknown) => void): void;
  start(): Promise<unknown>;
  stop(opts?: unknown): Promise<void>;
  createQueue(name: string): Promise<void>;
  send(name: string, data: unknown): Promise<string | null>;
  insert(name: string, jobs: Array<{ data: unknown }>): Promise<unknown>;
  work(name: string, opts: unknown, handler: (jobs: unknown[]) => Promise<void>): Promise<string>;
}
const moduleName = "pg-boss";
const { PgBoss } = (await import(moduleName)) as { PgBoss: new (opts: unknown) => Boss };

const mode = process.env.MODE ?? "send";
const durationMs = Number(process.env.DURATION_S ?? 5) * 1000;
// A pool as wide as the requests in flight; maintenance and cron off, as they would only add noise.
const boss = new PgBoss({ connectionString: process.env.DATABASE_URL, max: 64, schedule: false, supervise: false });
boss.on("error", (error) => console.error("pg-boss:", error));
await boss.start();
const queueName = `bench-${mode}`;
await boss.createQueue(queueName);

async function saturate(inFlight: number, perCall: number, one: () => Promise<unknown>): Promise<number> {
  let done = 0;
  const deadline = performance.now() + durationMs;
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (performance.now() < deadline) {
        await one();
        done += perCall;
      }
    }),
  );
  return done;
}

let messages = 0;
let started = performance.now();
let cpuBefore = process.cpuUsage();
if (mode === "send") {
  messages = await saturate(64, 1, () => boss.send(queueName, EVENT));
} else if (mode === "insert") {
  const jobs = Array.from({ length: 100 }, () => ({ data: EVENT }));
  messages = await saturate(8, 100, () => boss.insert(queueName, jobs));
} else {
  const total = Number(process.env.MESSAGES ?? 10_000);
  const jobs = Array.from({ length: 1000 }, () => ({ data: EVENT }));
  for (let filled = 0; filled < total; filled += 1000) await boss.insert(queueName, jobs);
  const drained = Promise.withResolvers<void>();
  started = performance.now();
  cpuBefore = process.cpuUsage();
  const options = {
    batchSize: Number(process.env.BATCH ?? 100),
    burstWhenBatchFull: true,
    pollingIntervalSeconds: 0.5,
  };
  // work() completes a batch when its handler resolves; counting at the handler's end is the
  // same moment Millrace's consumers count an ack sent.
  for (let i = 0; i < Number(process.env.WORKERS ?? 4); i++) {
    await boss.work(queueName, options, async (batch) => {
      messages += batch.length;
      if (messages >= total) drained.resolve();
    });
  }
  await drained.promise;
}
const seconds = (performance.now() - started) / 1000;
const cpu = process.cpuUsage(cpuBefore);
await boss.stop({ graceful: true, wait: true, timeout: 5000 });
const clientCpuMicros = Math.round(((cpu.user + cpu.system) / messages) * 10) / 10;
console.log(JSON.stringify({ messages, seconds, perSecond: messages / seconds, clientCpuMicros }));
process.exit(0);
