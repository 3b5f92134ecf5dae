// BullMQ, driven the way its documentation recommends: Queue.add with 64 in flight, addBulk of
// 100, and a Worker with the concurrency given. Prints one JSON line: { perSecond, messages, ... }.
// Env: REDIS_PORT, MODE (add | bulk | process), DURATION_S, MESSAGES (process: jobs to drain),
// CONCURRENCY (process). Run from bench/peers, where `npm ci` installed bullmq.
import { EVENT } from "../lib/message.ts";

// BullMQ is not a dependency of Millrace, so its types are not in Millrace's tree: the few calls
// used here are declared, and the module is loaded by name at run time.
interface BullQueue {
  add(name: string, data: unknown, opts?: unknown): Promise<unknown>;
  addBulk(jobs: Array<{ name: string; data: unknown; opts?: unknown }>): Promise<unknown>;
  obliterate(opts: { force: boolean }): Promise<void>;
  waitUntilReady(): Promise<unknown>;
  close(): Promise<void>;
}
interface BullWorker {
  on(event: "completed", listener: () => void): void;
  close(): Promise<void>;
}
interface BullMq {
  Queue: new (name: string, opts: unknown) => BullQueue;
  Worker: new (name: string, processor: (job: unknown) => Promise<void>, opts: unknown) => BullWorker;
}
const moduleName = "bullmq";
const { Queue, Worker } = (await import(moduleName)) as BullMq;

const connection = { host: "127.0.0.1", port: Number(process.env.REDIS_PORT), maxRetriesPerRequest: null };
const mode = process.env.MODE ?? "add";
const durationMs = Number(process.env.DURATION_S ?? 5) * 1000;
// Completed jobs are removed, as Millrace deletes an acked message: the fairest like-for-like.
const jobOptions = { removeOnComplete: true, removeOnFail: true };
const queueName = `bench-${mode}-${process.pid}`;
const queue = new Queue(queueName, { connection, defaultJobOptions: jobOptions });
await queue.waitUntilReady();

/** Keeps `inFlight` calls of `one` running until the deadline; returns how many messages they moved. */
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

const cpuBefore = process.cpuUsage();
const started = performance.now();
let messages = 0;
if (mode === "add") {
  messages = await saturate(64, 1, () => queue.add("event", EVENT));
} else if (mode === "bulk") {
  const jobs = Array.from({ length: 100 }, () => ({ name: "event", data: EVENT }));
  messages = await saturate(8, 100, () => queue.addBulk(jobs));
} else {
  const total = Number(process.env.MESSAGES ?? 20_000);
  const jobs = Array.from({ length: 1000 }, () => ({ name: "event", data: EVENT }));
  for (let filled = 0; filled < total; filled += 1000) await queue.addBulk(jobs);
  const processStarted = performance.now();
  const processCpu = process.cpuUsage();
  const drained = Promise.withResolvers<void>();
  const worker = new Worker(queueName, async () => {}, {
    connection,
    concurrency: Number(process.env.CONCURRENCY ?? 100),
  });
  worker.on("completed", () => {
    messages += 1;
    if (messages === total) drained.resolve();
  });
  await drained.promise;
  const seconds = (performance.now() - processStarted) / 1000;
  const cpu = process.cpuUsage(processCpu);
  await worker.close();
  await queue.obliterate({ force: true });
  await queue.close();
  console.log(JSON.stringify({ messages, seconds, perSecond: messages / seconds, clientCpuMicros: cpuMicros(cpu) }));
  process.exit(0);
}
const seconds = (performance.now() - started) / 1000;
const cpu = process.cpuUsage(cpuBefore);
await queue.obliterate({ force: true });
await queue.close();
console.log(JSON.stringify({ messages, seconds, perSecond: messages / seconds, clientCpuMicros: cpuMicros(cpu) }));

function cpuMicros(cpu: NodeJS.CpuUsage): number {
  return Math.round(((cpu.user + cpu.system) / messages) * 10) / 10;
}
