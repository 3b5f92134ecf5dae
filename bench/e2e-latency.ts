// End-to-end latency at a fixed rate: RATE publishes per second (each stamped with its send
// time), CONSUMERS long-polling receivers that ack what they get, for DURATION_S. Latency is
// receive time minus send time, in one process, so one clock. Prints one JSON line.
import { EVENT } from "./lib/message.ts";

const url = process.env.URL ?? "http://127.0.0.1:7491";
const queue = process.env.QUEUE ?? "latency";
const rate = Number(process.env.RATE ?? 5000);
const consumers = Number(process.env.CONSUMERS ?? 4);
const durationMs = Number(process.env.DURATION_S ?? 5) * 1000;
const json = { "content-type": "application/json" };

await fetch(`${url}/v1/queues/${queue}`, { method: "PUT", body: "{}", headers: json });
const latencies: number[] = [];
let published = 0;
let publishing = true;

async function publish(): Promise<void> {
  const started = performance.now();
  // Sends are paced on a 1 ms tick: the count due by now, minus those already sent.
  while (performance.now() - started < durationMs) {
    const due = Math.floor(((performance.now() - started) / 1000) * rate);
    const sends: Array<Promise<unknown>> = [];
    for (; published < due; published++) {
      const body = JSON.stringify({ body: { ...EVENT, sentAt: performance.now() } });
      sends.push(
        fetch(`${url}/v1/queues/${queue}/messages`, { method: "POST", body, headers: json }).then((r) =>
          r.arrayBuffer(),
        ),
      );
    }
    await Bun.sleep(1);
    void Promise.all(sends);
  }
  publishing = false;
}

async function consume(): Promise<void> {
  while (publishing || latencies.length < published) {
    const response = await fetch(`${url}/v1/queues/${queue}/receive`, {
      method: "POST",
      headers: json,
      body: JSON.stringify({ max: 100, waitSeconds: 1 }),
    });
    const { messages } = (await response.json()) as { messages: Array<{ receipt: string; body: { sentAt: number } }> };
    const now = performance.now();
    for (const message of messages) latencies.push(now - message.body.sentAt);
    if (messages.length === 0) {
      if (!publishing) return;
      continue;
    }
    await fetch(`${url}/v1/queues/${queue}/ack`, {
      method: "POST",
      headers: json,
      body: JSON.stringify({ receipts: messages.map((m) => m.receipt) }),
    });
  }
}

await Promise.all([publish(), ...Array.from({ length: consumers }, consume)]);
latencies.sort((a, b) => a - b);
const at = (q: number) =>
  Math.round(latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]! * 100) / 100;
console.log(
  JSON.stringify({ published, received: latencies.length, rate, p50Ms: at(0.5), p99Ms: at(0.99), p999Ms: at(0.999) }),
);
