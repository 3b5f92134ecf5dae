// The durable limit: the least a durable publish can cost on this machine, written for the bench
// only. A native Bun.serve route parses the JSON and hands the message to one writer thread,
// which commits everything that arrived meanwhile in one transaction (group commit,
// synchronous=FULL) and only then lets the route answer 201. Millrace does more per message
// (validation, routing, dedup, counters), so the ratio to this server is how much of that work
// costs, not the disk.
const port = Number(process.env.PORT ?? 7490);
const path = process.env.DB_PATH ?? "/tmp/durable-limit.db";

const writer = new Worker(new URL("./writer.ts", import.meta.url).href);
const waiting = new Map<number, () => void>();
let nextId = 1;

writer.onmessage = (event: MessageEvent<number[]>) => {
  for (const id of event.data) {
    waiting.get(id)?.();
    waiting.delete(id);
  }
};
writer.postMessage({ open: path });

Bun.serve({
  hostname: "127.0.0.1",
  port,
  routes: {
    "/v1/queues/:queue/messages": {
      POST: async (request) => {
        const parsed = (await request.json()) as { body?: unknown };
        const id = nextId++;
        const committed = new Promise<void>((resolve) => waiting.set(id, resolve));
        writer.postMessage([id, request.params.queue, JSON.stringify(parsed.body)]);
        await committed;
        return Response.json({ id: String(id) }, { status: 201 });
      },
    },
  },
  fetch: () => new Response("not found", { status: 404 }),
});
console.log(`durable limit listening on ${port}`);
