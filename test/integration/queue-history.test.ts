import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { waitFor } from "../helpers/delivery-receiver.ts";
import { errorCode, startApp, type RunningApp } from "../helpers/start-app.ts";

// GET /v1/queues/{q}/history from the real server: the stats refresher (every second here)
// records the backlog and this instance's publish/ack counts in memory.

interface Sample {
  at: string;
  ready: number;
  delayed: number;
  leased: number;
  dead: number;
  published: number;
  acked: number;
}

function post(url: string, path: string, body: unknown) {
  return fetch(`${url}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
}

async function history(url: string, queue: string): Promise<{ intervalSeconds: number; samples: Sample[] }> {
  const response = await fetch(`${url}/v1/queues/${queue}/history`);
  expect(response.status).toBe(200);
  return (await response.json()) as { intervalSeconds: number; samples: Sample[] };
}

describe("queue history", () => {
  let running: RunningApp;
  beforeAll(async () => {
    running = await startApp({ MILLRACE_STATS_INTERVAL_SECONDS: "1" });
  });
  afterAll(() => running.stop());

  test("samples show the backlog and the published and acked deltas", async () => {
    const { url } = running;
    expect((await fetch(`${url}/v1/queues/h1`, { method: "PUT" })).status).toBe(201);
    // A first sample with the queue empty, so the publish below shows as a delta.
    await waitFor("a first sample", async () => (await history(url, "h1")).samples.length > 0);
    const published = await post(url, "/v1/queues/h1/messages", { messages: [{ body: 1 }, { body: 2 }, { body: 3 }] });
    expect(published.status).toBe(201);
    const received = await post(url, "/v1/queues/h1/receive", { max: 1 });
    const { messages } = (await received.json()) as { messages: Array<{ receipt: string }> };
    expect((await post(url, "/v1/queues/h1/ack", { receipts: [messages[0]!.receipt] })).status).toBe(200);

    await waitFor("history with the backlog and the deltas", async () => {
      const { samples } = await history(url, "h1");
      const last = samples.at(-1)!;
      const sum = (field: "published" | "acked") => samples.reduce((total, s) => total + s[field], 0);
      return last.ready === 2 && last.leased === 0 && sum("published") === 3 && sum("acked") === 1;
    });
    const body = await history(url, "h1");
    expect(body.intervalSeconds).toBe(1);
    const times = body.samples.map((s) => Date.parse(s.at));
    expect(times).toEqual([...times].sort((a, b) => a - b));
  });

  test("an unknown queue is a 404", async () => {
    const response = await fetch(`${running.url}/v1/queues/nope/history`);
    expect(response.status).toBe(404);
    expect(await errorCode(response)).toBe("queue_not_found");
  });
});
