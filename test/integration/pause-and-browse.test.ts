import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { rmSync } from "node:fs";
import { client, startApp, type RunningApp } from "../helpers/start-app.ts";

// Pause/resume and browsing over real HTTP: what receivers see, what GET queue and /metrics show,
// a pause that survives a restart, and the browse cursor's paging and its 400s.

let server: RunningApp;
let call: ReturnType<typeof client>;
let counter = 0;
const fresh = () => `pb-${++counter}`;

beforeAll(async () => {
  server = await startApp({ MILLRACE_STATS_INTERVAL_SECONDS: "1" });
  call = client(server.url);
});
afterAll(async () => server.stop());

async function queue(settings: object = {}): Promise<string> {
  const name = fresh();
  expect((await call("PUT", `/v1/queues/${name}`, settings)).status).toBe(201);
  return name;
}

describe("pause and resume", () => {
  test("while paused, receives return nothing and publishes are accepted; resume hands them out", async () => {
    const q = await queue();
    const paused = await call("POST", `/v1/queues/${q}/pause`);
    expect(paused.status).toBe(200);
    expect(paused.body.paused).toBe(true);
    expect(typeof paused.body.pausedAt).toBe("string");
    expect((await call("POST", `/v1/queues/${q}/messages`, { body: { n: 1 } })).status).toBe(201);
    expect((await call("POST", `/v1/queues/${q}/receive`, { max: 10 })).body.messages).toEqual([]);
    expect((await call("GET", `/v1/queues/${q}`)).body).toMatchObject({ paused: true, stats: { ready: 1 } });
    const resumed = await call("POST", `/v1/queues/${q}/resume`);
    expect(resumed.body).toMatchObject({ paused: false, pausedAt: null });
    const received = await call("POST", `/v1/queues/${q}/receive`, { max: 10 });
    expect(received.body.messages.map((m: { body: unknown }) => m.body)).toEqual([{ n: 1 }]);
  });

  test("a long-poll on a paused queue wakes and receives when the queue is resumed", async () => {
    const q = await queue();
    await call("POST", `/v1/queues/${q}/pause`);
    await call("POST", `/v1/queues/${q}/messages`, { body: "waiting" });
    const polling = call("POST", `/v1/queues/${q}/receive`, { max: 1, waitSeconds: 20 });
    await call("POST", `/v1/queues/${q}/resume`);
    expect((await polling).body.messages.map((m: { body: unknown }) => m.body)).toEqual(["waiting"]);
  });

  test("millrace_queue_paused follows the queue's state", async () => {
    const q = await queue();
    await call("POST", `/v1/queues/${q}/pause`);
    const series = `millrace_queue_paused{queue="${q}"}`;
    const value = async () => {
      const text = await (await fetch(`${server.url}/metrics`)).text();
      const line = text.split("\n").find((l) => l.startsWith(`${series} `));
      return line === undefined ? null : Number(line.slice(series.length + 1));
    };
    for (let i = 0; i < 200 && (await value()) !== 1; i++) await Bun.sleep(50);
    expect(await value()).toBe(1);
    await call("POST", `/v1/queues/${q}/resume`);
    for (let i = 0; i < 200 && (await value()) !== 0; i++) await Bun.sleep(50);
    expect(await value()).toBe(0);
  });

  test("unknown queues are 404 queue_not_found", async () => {
    const response = await call("POST", `/v1/queues/${fresh()}/pause`);
    expect(response.status).toBe(404);
    expect(response.body.error.code).toBe("queue_not_found");
  });
});

test("a pause survives a restart", async () => {
  const first = await startApp();
  const dataDir = first.dataDir;
  try {
    const api = client(first.url);
    await api("PUT", "/v1/queues/kept");
    await api("POST", "/v1/queues/kept/pause");
    await first.app.stop();
    const second = await startApp({ MILLRACE_DATA_DIR: dataDir });
    try {
      const again = client(second.url);
      expect((await again("GET", "/v1/queues/kept")).body.paused).toBe(true);
      await again("POST", "/v1/queues/kept/messages", { body: 1 });
      expect((await again("POST", "/v1/queues/kept/receive", { max: 1 })).body.messages).toEqual([]);
    } finally {
      await second.app.stop();
      rmSync(second.dataDir, { recursive: true, force: true });
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});

describe("browse", () => {
  test("pages by state with nextCursor, and leaves the messages ready", async () => {
    const q = await queue();
    await call("POST", `/v1/queues/${q}/messages`, { messages: [1, 2, 3, 4, 5].map((n) => ({ body: n })) });
    const seen: unknown[] = [];
    let after: string | null = null;
    do {
      const query: string = after === null ? "" : `&after=${encodeURIComponent(after)}`;
      const page = await call("GET", `/v1/queues/${q}/messages?state=ready&limit=2${query}`);
      expect(page.status).toBe(200);
      seen.push(...page.body.messages.map((m: { body: unknown; state: string }) => [m.body, m.state]));
      after = page.body.nextCursor;
    } while (after !== null);
    expect(seen).toEqual([1, 2, 3, 4, 5].map((n) => [n, "ready"]));
    expect((await call("GET", `/v1/queues/${q}`)).body.stats.ready).toBe(5);
  });

  test("a bad state, limit or cursor is a 400 naming the field", async () => {
    const q = await queue();
    await call("POST", `/v1/queues/${q}/messages`, { messages: [{ body: 1 }, { body: 2 }] });
    const first = await call("GET", `/v1/queues/${q}/messages?limit=1`);
    const cursor = first.body.nextCursor as string;
    // The last character of the check, changed (to one it is not: a check ending in x stayed valid).
    const tampered = cursor.slice(0, -1) + (cursor.endsWith("x") ? "y" : "x");
    for (const [query, field] of [
      ["state=sleeping", "state"],
      ["limit=0", "limit"],
      ["after=garbage", "after"],
      [`after=${tampered}`, "after"],
      [`state=dead&after=${encodeURIComponent(cursor)}`, "after"],
    ]) {
      const response = await call("GET", `/v1/queues/${q}/messages?${query}`);
      expect(response.status).toBe(400);
      expect(JSON.stringify(response.body.error)).toContain(field!);
    }
  });
});
