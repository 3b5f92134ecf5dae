// End-to-end latency at a fixed rate: RATE publishes per second (each stamped with its send
// time), CONSUMERS long-polling receivers that ack what they get, for DURATION_S. Latency is
// receive time minus send time, in one process, so one clock. Prints one JSON line.
//
// Publishes go out over PUBLISHERS keep-alive connections (64, as wrk's), each sending the next
// due message as soon as its previous one is answered; a message's latency starts at the time it
// was due, not when a connection was free, so a slow server is not hidden (no coordinated
// omission). One fetch per due message instead opened thousands of connections once the server
// fell behind (8,973 in flight at 5k msg/s), and the server then spent its time accepting them.
//
// The generator must not be what is measured, so it reports on itself too: the publish rate it
// reached, the publishes' own round trips (publishRttP50Ms/P99Ms: the server's commit path), the
// most messages due but not yet sent (maxBehind), and its own CPU share (clientCpuShare: 1 = one
// core busy; near 1 means the numbers describe this process, not the broker). The first WARMUP_S
// are sent but not counted: connections are opened and code is compiled then.
//
// CONSUMERS=0 measures the publishes alone: the bench runs it against the durable limit, which
// has no receive, for the floor its publish round trip sets under the same schedule.
import { EVENT } from "./lib/message.ts";

const url = process.env.URL ?? "http://127.0.0.1:7491";
const queue = process.env.QUEUE ?? "latency";
const rate = Number(process.env.RATE ?? 5000);
const consumers = Number(process.env.CONSUMERS ?? 4);
const durationMs = Number(process.env.DURATION_S ?? 5) * 1000;
const warmupMs = Number(process.env.WARMUP_S ?? 1) * 1000;
const publishers = Number(process.env.PUBLISHERS ?? 64);
const json = { "content-type": "application/json" };

await fetch(`${url}/v1/queues/${queue}`, { method: "PUT", body: "{}", headers: json });
const latencies: number[] = [];
const publishRtts: number[] = [];
let published = 0;
let received = 0;
let maxBehind = 0;
let publishedIn = 0;
let publishing = true;
const started = performance.now();
const total = Math.floor(((warmupMs + durationMs) / 1000) * rate);
const cpuAtStart = process.cpuUsage();
const counted = (sentAt: number) => sentAt - started >= warmupMs;
/** When message `n` is due: the schedule, not the moment a connection was free. */
const dueAt = (n: number) => started + (n / rate) * 1000;

/** Free connections, parked until the pacer hands them a message. */
const idle: Array<(sentAt: number) => void> = [];
/** Due times of messages that found no free connection. */
const behind: number[] = [];

async function send(sentAt: number): Promise<void> {
  const body = JSON.stringify({ body: { ...EVENT, sentAt } });
  const response = await fetch(`${url}/v1/queues/${queue}/messages`, { method: "POST", body, headers: json });
  await response.arrayBuffer();
  if (!response.ok) throw new Error(`publish answered ${response.status}`);
  if (counted(sentAt)) publishRtts.push(performance.now() - sentAt);
}

async function connection(): Promise<void> {
  for (;;) {
    const sentAt = behind.shift() ?? (await new Promise<number>((resolve) => idle.push(resolve)));
    if (sentAt < 0) return; // the pacer is done
    await send(sentAt);
  }
}

async function publish(): Promise<void> {
  const connections = Array.from({ length: publishers }, connection);
  // One pacer on a 1 ms tick hands each message that is due to a free connection, or queues it.
  while (published < total) {
    const now = performance.now();
    for (; published < total && dueAt(published) <= now; published++) {
      const free = idle.pop();
      if (free) free(dueAt(published));
      else behind.push(dueAt(published));
    }
    maxBehind = Math.max(maxBehind, behind.length);
    await Bun.sleep(1);
  }
  while (behind.length > 0) await Bun.sleep(1);
  for (let i = 0; i < publishers; i++) behind.push(-1);
  for (const free of idle.splice(0)) free(behind.shift()!);
  await Promise.all(connections);
  publishing = false;
  publishedIn = performance.now() - started;
}

async function consume(): Promise<void> {
  while (publishing || received < published) {
    const response = await fetch(`${url}/v1/queues/${queue}/receive`, {
      method: "POST",
      headers: json,
      body: JSON.stringify({ max: 100, waitSeconds: 1 }),
    });
    const { messages } = (await response.json()) as { messages: Array<{ receipt: string; body: { sentAt: number } }> };
    const now = performance.now();
    received += messages.length;
    for (const message of messages) if (counted(message.body.sentAt)) latencies.push(now - message.body.sentAt);
    if (messages.length === 0) {
      if (!publishing) return;
      continue;
    }
    // Not awaited: the consumer is back in the long poll while its ack travels, as a real one
    // with acks in flight would be; waiting would add an ack's round trip to the next message.
    void fetch(`${url}/v1/queues/${queue}/ack`, {
      method: "POST",
      headers: json,
      body: JSON.stringify({ receipts: messages.map((m) => m.receipt) }),
    }).then((r) => r.arrayBuffer());
  }
}

await Promise.all([publish(), ...Array.from({ length: consumers }, consume)]);
const wallMs = performance.now() - started;
const cpu = process.cpuUsage(cpuAtStart);
const at = (list: number[], q: number) => {
  list.sort((a, b) => a - b);
  return Math.round(list[Math.min(list.length - 1, Math.floor(q * list.length))]! * 100) / 100;
};
console.log(
  JSON.stringify({
    published,
    received,
    rate,
    reachedRate: Math.round(published / (publishedIn / 1000)),
    p50Ms: at(latencies, 0.5),
    p99Ms: at(latencies, 0.99),
    p999Ms: at(latencies, 0.999),
    publishRttP50Ms: at(publishRtts, 0.5),
    publishRttP99Ms: at(publishRtts, 0.99),
    maxBehind,
    clientCpuShare: Math.round(((cpu.user + cpu.system) / 1000 / wallMs) * 100) / 100,
  }),
);
