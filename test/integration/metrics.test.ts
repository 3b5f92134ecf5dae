import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { startApp, type RunningApp } from "../helpers/start-app.ts";

// Prometheus metrics from the real server: counters fed by the broker and the store, per-queue
// gauges from the background refresher, series removed with their queue, and a separate listener.

async function scrape(url: string): Promise<string> {
  const response = await fetch(`${url}/metrics`);
  expect(response.status).toBe(200);
  expect(response.headers.get("content-type")).toContain("text/plain");
  return response.text();
}

/** The value of one series, or null when absent. */
function sample(text: string, series: string): number | null {
  for (const line of text.split("\n")) {
    if (line.startsWith(`${series} `)) return Number(line.slice(series.length + 1));
  }
  return null;
}

/** Scrapes until `check` holds; the refresher and sweeper run on their own clocks. */
async function eventually(url: string, check: (text: string) => boolean): Promise<string> {
  let text = "";
  for (let i = 0; i < 200; i++) {
    text = await scrape(url);
    if (check(text)) return text;
    await Bun.sleep(100);
  }
  return text;
}

function post(url: string, path: string, body: unknown) {
  return fetch(`${url}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
}

describe("metrics on the API port", () => {
  let running: RunningApp;
  beforeAll(async () => {
    running = await startApp({ MILLRACE_STATS_INTERVAL_SECONDS: "1" });
  });
  afterAll(() => running.stop());

  test("message counters follow publish, deliver, ack, nack, dead-letter and expiry", async () => {
    const { url } = running;
    await fetch(`${url}/v1/queues/m1`, { method: "PUT", body: JSON.stringify({ maxAttempts: 1 }) });
    expect(
      (await post(url, "/v1/queues/m1/messages", { messages: [{ body: 1 }, { body: 2 }, { body: 3 }] })).status,
    ).toBe(201);
    const received = await post(url, "/v1/queues/m1/receive", { max: 2 });
    const { messages } = (await received.json()) as { messages: Array<{ receipt: string }> };
    expect(messages).toHaveLength(2);
    await post(url, "/v1/queues/m1/ack", { receipts: [messages[0]!.receipt] });
    await post(url, "/v1/queues/m1/nack", { receipts: [messages[1]!.receipt], error: "bad" });
    // The third expires: a 1 s lease, then the sweeper finds it (maxAttempts 1, so it dies too).
    await post(url, "/v1/queues/m1/receive", { max: 1, visibilityTimeoutSeconds: 1 });

    const text = await eventually(url, (t) => sample(t, 'millrace_messages_expired_total{queue="m1"}') === 1);
    expect(sample(text, 'millrace_messages_published_total{queue="m1"}')).toBe(3);
    expect(sample(text, 'millrace_messages_delivered_total{queue="m1"}')).toBe(3);
    expect(sample(text, 'millrace_messages_acked_total{queue="m1"}')).toBe(1);
    expect(sample(text, 'millrace_messages_nacked_total{queue="m1"}')).toBe(1);
    expect(sample(text, 'millrace_messages_expired_total{queue="m1"}')).toBe(1);
    expect(sample(text, 'millrace_messages_dead_lettered_total{queue="m1"}')).toBe(2);
  });

  test("per-queue gauges come from the refresher, and vanish with the queue", async () => {
    const { url } = running;
    await fetch(`${url}/v1/queues/m2`, { method: "PUT", body: JSON.stringify({ maxMessages: 50 }) });
    await post(url, "/v1/queues/m2/messages", { messages: [{ body: 1 }, { body: 2 }, { body: 3, delaySeconds: 600 }] });
    let text = await eventually(url, (t) => sample(t, 'millrace_queue_messages{queue="m2",state="ready"}') === 2);
    expect(sample(text, 'millrace_queue_messages{queue="m2",state="delayed"}')).toBe(1);
    expect(sample(text, 'millrace_queue_messages{queue="m2",state="leased"}')).toBe(0);
    expect(sample(text, 'millrace_queue_oldest_ready_age_seconds{queue="m2"}')).toBeGreaterThanOrEqual(0);
    expect(sample(text, 'millrace_queue_max_messages{queue="m2"}')).toBe(50);
    expect(sample(text, 'millrace_messages_published_total{queue="m2"}')).toBe(3);

    expect((await fetch(`${url}/v1/queues/m2`, { method: "DELETE" })).status).toBe(204);
    text = await eventually(url, (t) => !t.includes('queue="m2"'));
    expect(text).not.toContain('queue="m2"');
  });

  test("HTTP, database, build and process metrics are exported", async () => {
    const text = await scrape(running.url);
    expect(text).toMatch(
      /millrace_http_requests_total\{method="POST",route="\/v1\/queues\/:queue\/messages",status="201"\} \d+/,
    );
    expect(text).toContain(
      'millrace_http_request_duration_seconds_bucket{le="0.005",method="POST",route="/v1/queues/:queue/messages"}',
    );
    expect(text).toMatch(/millrace_db_query_duration_seconds_count\{operation="messages.publish"\} \d+/);
    expect(text).toMatch(/millrace_build_info\{version="[^"]+",commit="[^"]+",bun="[^"]+"\} 1/);
    expect(text).toContain("process_resident_memory_bytes");
    expect(text).toContain("millrace_webhook_requests_total");
    expect(text).toContain("millrace_webhook_duration_seconds");
    expect(text).toContain("millrace_http_requests_in_flight");
  });
});

describe("metrics on their own listener", () => {
  test("MILLRACE_METRICS_LISTEN moves /metrics off the API port; health is on both", async () => {
    const running = await startApp({ MILLRACE_METRICS_LISTEN: "127.0.0.1:0" });
    try {
      expect(running.app.metricsUrl).not.toBe(running.url);
      expect((await fetch(`${running.url}/metrics`)).status).toBe(404);
      expect(await scrape(running.app.metricsUrl)).toContain("millrace_build_info");
      expect((await fetch(`${running.app.metricsUrl}/health/ready`)).status).toBe(200);
      expect((await fetch(`${running.app.metricsUrl}/v1/queues`)).status).toBe(404);
      expect((await fetch(`${running.url}/health/ready`)).status).toBe(200);
    } finally {
      await running.stop();
    }
  });
});

describe("worker mode", () => {
  test("serves no API, but metrics and health on the metrics listener", async () => {
    const running = await startApp({ MILLRACE_MODE: "worker", MILLRACE_METRICS_LISTEN: "127.0.0.1:0" });
    try {
      expect(() => running.app.url).toThrow();
      expect(await scrape(running.app.metricsUrl)).toContain("millrace_build_info");
      expect((await fetch(`${running.app.metricsUrl}/health/ready`)).status).toBe(200);
    } finally {
      await running.stop();
    }
  });
});

describe("a scrape with 10,000 queues", () => {
  test("reads memory only: no per-queue database call, every queue reported", async () => {
    const running = await startApp({ MILLRACE_STATS_INTERVAL_SECONDS: "2", MILLRACE_ACCESS_LOG: "false" });
    try {
      const names = Array.from({ length: 10_000 }, (_, i) => `load-${String(i).padStart(5, "0")}`);
      for (let i = 0; i < names.length; i += 250) {
        await Promise.all(
          names
            .slice(i, i + 250)
            .map((name) => fetch(`${running.url}/v1/queues/${name}`, { method: "PUT", body: "{}" })),
        );
      }
      const text = await eventually(running.url, (t) =>
        t.includes('millrace_queue_messages{queue="load-09999",state="ready"}'),
      );
      expect(text).toContain('millrace_queue_oldest_ready_age_seconds{queue="load-00000"}');
      const perQueueCalls = (t: string) =>
        sample(t, 'millrace_db_query_duration_seconds_count{operation="queues.stats"}') ?? 0;
      const before = perQueueCalls(text);
      const timings: number[] = [];
      let last = "";
      for (let i = 0; i < 5; i++) {
        const started = performance.now();
        last = await scrape(running.url);
        timings.push(performance.now() - started);
      }
      expect(perQueueCalls(last)).toBe(before);
      timings.sort((a, b) => a - b);
      console.log(
        `scrape with 10,000 queues: median ${timings[2]!.toFixed(1)} ms, min ${timings[0]!.toFixed(1)} ms, ${(last.length / 1024).toFixed(0)} KiB, refresh ${sample(last, "millrace_stats_refresh_duration_seconds")} s`,
      );
    } finally {
      await running.stop();
    }
  }, 180_000);
});
