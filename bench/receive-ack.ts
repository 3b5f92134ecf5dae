// Consumers for the receive+ack measurement: CONSUMERS loops, each receiving BATCH messages and
// acking them all, until the queue is empty or DURATION_S passes. Prints JSON to stdout.
const url = process.env.URL ?? "http://127.0.0.1:7411";
const queue = process.env.QUEUE ?? "bench";
const consumers = Number(process.env.CONSUMERS ?? 8);
const batch = Number(process.env.BATCH ?? 100);
const durationMs = Number(process.env.DURATION_S ?? 10) * 1000;
/** An API key, for a server with MILLRACE_AUTH=api-key. */
const token = process.env.TOKEN ?? null;

async function post<T>(path: string, body: unknown): Promise<T> {
  const response = await fetch(`${url}/v1/queues/${queue}/${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`${path} answered ${response.status}: ${await response.text()}`);
  return (await response.json()) as T;
}

let acked = 0;
let lost = 0;
const started = performance.now();
const deadline = started + durationMs;
await Promise.all(
  Array.from({ length: consumers }, async () => {
    while (performance.now() < deadline) {
      const { messages } = await post<{ messages: Array<{ receipt: string }> }>("receive", { max: batch });
      if (messages.length === 0) return;
      const { results } = await post<{ results: Array<{ result: string }> }>("ack", {
        receipts: messages.map((m) => m.receipt),
      });
      for (const r of results) {
        if (r.result === "ok") acked += 1;
        else lost += 1;
      }
    }
  }),
);
const seconds = (performance.now() - started) / 1000;
console.log(JSON.stringify({ acked, lost, seconds, perSecond: acked / seconds }));
export {};
